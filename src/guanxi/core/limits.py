"""Refusals for doing too much of something in too short a time (HTTP 429), whatever the path:
the API answers them in its one error shape, pages show the message."""


class RateLimited(Exception):
    """Raised with a message for the user; nothing was done."""

    status_code = 429
