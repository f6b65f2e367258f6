"""Date and time formats the same in both languages (settings.FORMAT_MODULE_PATH): ISO dates
(2026-11-26) and 24-hour times, as Chinese users write them and as no English reader misreads
(09/03/2019 is September in one country and March in another)."""
