"""Refusals a user must not be able to repeat without end, whatever the path: for doing too much of something in
too short a time (HTTP 429; the API answers them in its one error shape, pages show the message), and refusals
that are themselves recorded, so that they can be counted and limited (`RecordedRefusal`)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction


class RateLimited(Exception):
    """Raised with a message for the user; nothing was done. `record`, if given, writes what the refusal leaves
    behind (the administrators told) once the work is undone, as a RecordedRefusal's."""

    status_code = 429

    def __init__(self, message: str = "", record: Callable[[], object] | None = None):
        super().__init__(message)
        self.record = record


class RecordedRefusal(ValidationError):
    """A refusal (a ValidationError naming the field) that leaves a record of itself: `record` writes it once the
    work it refused has been undone. Raised inside `undone_then_recorded`, which every write path wraps around the
    domain service's work (the generic pages and API endpoints), so the record outlives the rollback."""

    def __init__(self, message, record: Callable[[], object]):
        super().__init__(message)
        self.record = record


@contextmanager
def undone_then_recorded() -> Iterator[None]:
    """A transaction; a RecordedRefusal (or a RateLimited with a record) raised in it rolls it back, then writes
    its record. Nested, the record
    written by an inner one is undone with the outer transaction and written again by the outer one: once, in
    the end, wherever the refusal came from."""
    try:
        with transaction.atomic():
            yield
    except (RecordedRefusal, RateLimited) as refusal:
        if refusal.record is not None:
            refusal.record()
        raise
