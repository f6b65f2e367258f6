"""The service-level clock runs only while the dealer works."""

import datetime as dt
import zoneinfo

import pytest

from guanxi.sales.working_hours import Hours, add_working_time

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TWO_HOURS = dt.timedelta(hours=2)


def at(day, hour, minute=0):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def test_a_lead_handed_over_late_in_the_day_falls_due_the_next_morning():
    assert add_working_time(at(26, 17, 30), TWO_HOURS, Hours()) == at(27, 10, 30)


def test_a_lead_handed_over_at_night_counts_from_the_opening():
    assert add_working_time(at(26, 22), TWO_HOURS, Hours()) == at(27, 11)
    assert add_working_time(at(27, 6), TWO_HOURS, Hours()) == at(27, 11)


def test_closed_days_are_skipped_and_utc_in_means_utc_out():
    weekdays = Hours(days=frozenset(range(1, 6)))  # 2026-11-27 is a Friday
    due = add_working_time(at(27, 17).astimezone(dt.UTC), TWO_HOURS, weekdays)
    assert due == at(30, 10) and due.tzinfo == dt.UTC


def test_hours_that_cannot_work_are_refused():
    with pytest.raises(ValueError):
        Hours(opens=dt.time(18), closes=dt.time(9))
    with pytest.raises(ValueError):
        Hours(days=frozenset())
