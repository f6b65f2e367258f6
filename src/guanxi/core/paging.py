"""Page numbers from the query string, made safe before they reach an OFFSET.

A page number like 10**30 overflows the database's bigint; anything that is not a plausible
page shows the first page instead of an error.
"""

MAX_PAGE = 100_000


def page_number(raw) -> int:
    try:
        number = int(str(raw))
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= MAX_PAGE else 1
