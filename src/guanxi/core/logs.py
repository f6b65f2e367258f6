"""Logging that says what matters: a refused request (400, 403, 404) is a line, not a traceback."""

import logging

REFUSALS = {400, 403, 404}


class RefusalsWithoutTraceback(logging.Filter):
    """Django logs a PermissionDenied, an Http404 or unparseable input with its traceback; a role
    meeting a page it may not open, or a client sending a broken body, is expected, and the
    tracebacks buried real errors in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in REFUSALS:
            record.exc_info = None
            record.exc_text = None
        return True
