"""Service-level clocks that run only while a unit is open: "accept within 2 working hours"
handed out at 17:30 by a dealer open 09:00–18:00 falls due at 10:30 the next working day.

China moves working days around its public holidays (调休): a holiday closes a usual working day,
a make-up working day opens a usual day off. Both come in as dates, so that a clock stops over
Spring Festival and runs on the Saturday worked before it.

Plain Python (no Django): the hours and the calendar come in as data, times are aware datetimes.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

LOOKAHEAD_DAYS = 400  # a year and more of closed days is a set-up error, not a clock


@dataclass(frozen=True)
class Hours:
    """When a unit works: one daily window in its time zone, on ISO weekdays (1 = Monday), less the
    public holidays (`days_off`), plus the make-up working days (`days_on`) with the same window."""

    opens: dt.time = dt.time(9)
    closes: dt.time = dt.time(18)
    days: frozenset[int] = frozenset(range(1, 8))  # car dealers sell seven days a week
    zone: str = "Asia/Shanghai"
    days_off: frozenset[dt.date] = frozenset()
    days_on: frozenset[dt.date] = frozenset()

    def __post_init__(self):
        if not self.opens < self.closes:
            raise ValueError("a working day must close after it opens")
        if not self.days or not self.days <= set(range(1, 8)):
            raise ValueError("working days are ISO weekdays 1-7, at least one")
        if self.days_off & self.days_on:
            raise ValueError("a day cannot be both a holiday and a make-up working day")

    def works_on(self, day: dt.date) -> bool:
        return day not in self.days_off and (day in self.days_on or day.isoweekday() in self.days)


def _windows(start: dt.datetime, hours: Hours) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """(opens, closes) in UTC of each working day from the one `start` falls on, in order, without end.
    UTC, so that the sums are true durations whatever the zone's clock changes do."""
    zone = zoneinfo.ZoneInfo(hours.zone)
    day = start.astimezone(zone).date()
    while True:
        if hours.works_on(day):
            yield (dt.datetime.combine(day, hours.opens, zone).astimezone(dt.UTC),
                   dt.datetime.combine(day, hours.closes, zone).astimezone(dt.UTC))
        day += dt.timedelta(days=1)


def add_working_time(start: dt.datetime, duration: dt.timedelta, hours: Hours) -> dt.datetime:
    """The moment `duration` of working time after `start` has passed (counted from the next
    opening when `start` falls outside the hours)."""
    begun = start.astimezone(dt.UTC)
    give_up = begun + dt.timedelta(days=LOOKAHEAD_DAYS)
    left = duration
    for opens, closes in _windows(start, hours):
        if opens > give_up:
            break
        begin = max(begun, opens)
        if begin < closes:
            if begin + left <= closes:
                return (begin + left).astimezone(start.tzinfo)
            left -= closes - begin
    raise ValueError("no working time within a year")


def working_time_between(start: dt.datetime, end: dt.datetime, hours: Hours) -> dt.timedelta:
    """Working time from `start` to `end`, zero when `end` is not after `start`: how much of a
    service level a ticket used, or how long it was paused, counted as the clock counts."""
    elapsed = dt.timedelta()
    if end <= start:
        return elapsed
    for opens, closes in _windows(start, hours):
        if opens >= end:
            return elapsed
        elapsed += max(dt.timedelta(), min(closes, end) - max(opens, start))
