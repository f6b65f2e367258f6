"""Date and number formats per language (settings.FORMAT_MODULE_PATH).

Chinese readers get ISO dates (2026-11-26), as they write them; English readers get the day, the
month's name and the year (26 Nov 2026), which no reader misreads (09/03/2019 is September in one
country and March in another). Both get 24-hour times and 1,234.00 (the amounts: core.formatting).
"""
