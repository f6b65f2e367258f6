"""Checks on what people type, in one place: they are model field validators, so every path that
saves a record through `full_clean` (the pages' forms, the API's services, imports, the admin)
applies the same rule and names the same field.

Why these: a name of only spaces is no name; a right-to-left override (U+202E) or another
invisible control character makes a name or a number read differently from what it is (a
"spoofed" name in a list, a phone number that copies wrong); dates outside a plausible range are
typing errors that break ages, warranties and reports; money is never negative here.
"""

import datetime as dt
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Unicode "control" (Cc) and "format" (Cf) characters: C0/C1 controls, bidi overrides and
# isolates (U+202A-202E, U+2066-2069), zero-width characters, the BOM.
_INVISIBLE = {"Cc", "Cf"}
_LINE_BREAKS = {"\n", "\r", "\t"}


def _refuse_invisible_characters(value: str, allowed: set[str]) -> None:
    found = {f"U+{ord(ch):04X}" for ch in value or "" if ch not in allowed and unicodedata.category(ch) in _INVISIBLE}
    if found:
        raise ValidationError(
            _("Remove the invisible control or direction characters (%(chars)s)."),
            code="invisible_character", params={"chars": ", ".join(sorted(found))},
        )


def printable_line(value: str) -> None:
    """One line of visible text: no control or direction characters."""
    _refuse_invisible_characters(value, set())


def printable_text(value: str) -> None:
    """Text of several lines: line breaks and tabs allowed, other control characters not."""
    _refuse_invisible_characters(value, _LINE_BREAKS)


def not_blank(value: str) -> None:
    if value is not None and not value.strip():
        raise ValidationError(_("This field cannot be only spaces."), code="blank")


def not_in_the_future(value: dt.date) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError(_("This date is in the future."), code="future")


@deconstructible
class NotLaterThanYears:
    """A date at most `years` years from today (a warranty end, a contract end)."""

    def __init__(self, years: int):
        self.years = years

    def __call__(self, value: dt.date) -> None:
        if value is not None and value.year > timezone.localdate().year + self.years:
            raise ValidationError(
                _("This date lies more than %(years)d years ahead."), code="too_far", params={"years": self.years}
            )

    def __eq__(self, other):
        return isinstance(other, NotLaterThanYears) and other.years == self.years


EARLIEST_BIRTH = dt.date(1900, 1, 1)
EARLIEST_CAR_DATE = dt.date(1950, 1, 1)

NAME = [not_blank, printable_line]
BIRTH_DATE = [MinValueValidator(EARLIEST_BIRTH), not_in_the_future]
PAST_CAR_DATE = [MinValueValidator(EARLIEST_CAR_DATE), not_in_the_future]  # bought, registered
FUTURE_CAR_DATE = [MinValueValidator(EARLIEST_CAR_DATE), NotLaterThanYears(30)]  # warranty end
MONEY = [MinValueValidator(0)]
