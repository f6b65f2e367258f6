"""Service-level clocks that run only while a dealer is open: "accept within 2 working hours"
handed out at 17:30 by a dealer open 09:00–18:00 falls due at 10:30 the next working day.

Plain Python (no Django): the dealer's hours come in as data, times are aware datetimes.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

LOOKAHEAD_DAYS = 400  # a year and more of closed days is a set-up error, not a clock


@dataclass(frozen=True)
class Hours:
    """When a unit works: one daily window in its time zone, on ISO weekdays (1 = Monday)."""

    opens: dt.time = dt.time(9)
    closes: dt.time = dt.time(18)
    days: frozenset[int] = frozenset(range(1, 8))  # car dealers sell seven days a week
    zone: str = "Asia/Shanghai"

    def __post_init__(self):
        if not self.opens < self.closes:
            raise ValueError("a working day must close after it opens")
        if not self.days or not self.days <= set(range(1, 8)):
            raise ValueError("working days are ISO weekdays 1-7, at least one")


def add_working_time(start: dt.datetime, duration: dt.timedelta, hours: Hours) -> dt.datetime:
    """The moment `duration` of working time after `start` has passed (counted from the next
    opening when `start` falls outside the hours)."""
    zone = zoneinfo.ZoneInfo(hours.zone)
    local = start.astimezone(zone)
    left = duration
    day = local.date()
    for _ in range(LOOKAHEAD_DAYS):
        if day.isoweekday() in hours.days:
            opens = dt.datetime.combine(day, hours.opens, zone)
            closes = dt.datetime.combine(day, hours.closes, zone)
            begin = max(local, opens)
            if begin < closes:
                if begin + left <= closes:
                    return (begin + left).astimezone(start.tzinfo)
                left -= closes - begin
        day += dt.timedelta(days=1)
    raise ValueError("no working time within a year")
