"""China's public calendar as the working-hours clocks read it: the public holidays and make-up
working days kept in CalendarDay.

Read on every service-level computation (each lead handed to a dealer), so it is kept in each
process: forgotten at once in the process that saves or deletes a day (and again when that commits),
re-read by the others within CALENDAR_SECONDS. The calendar changes a few times a year, weeks
ahead of the days it moves.
"""

import dataclasses
import datetime as dt
import time

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from guanxi.core.models import CalendarDay
from guanxi.core.working_hours import Hours

CALENDAR_SECONDS = 60

_kept: tuple[float, frozenset[dt.date], frozenset[dt.date]] | None = None  # (read at, days off, days on)


def public_calendar() -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(public holidays, make-up working days)."""
    global _kept
    if _kept is None or time.monotonic() - _kept[0] > CALENDAR_SECONDS:
        days = list(CalendarDay.objects.values_list("date", "working"))
        _kept = (time.monotonic(), frozenset(day for day, working in days if not working),
                 frozenset(day for day, working in days if working))
    return _kept[1], _kept[2]


def observing_public_calendar(hours: Hours) -> Hours:
    """The same hours, closed on the public holidays and open on the make-up working days."""
    days_off, days_on = public_calendar()
    return dataclasses.replace(hours, days_off=days_off, days_on=days_on)


def forget() -> None:
    global _kept
    _kept = None


@receiver([post_save, post_delete], sender=CalendarDay)
def _calendar_changed(sender, **kwargs):
    """Forgotten now and again on commit: a read in between would keep the calendar before the change."""
    forget()
    transaction.on_commit(forget)
