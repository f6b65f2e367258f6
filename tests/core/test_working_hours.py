"""The service-level clock runs only while the unit works: its window, its weekdays, and China's
public calendar (holidays closed, make-up working days open)."""

import datetime as dt
import random
import zoneinfo

import pytest

from guanxi.core.working_hours import Hours, add_working_time, working_time_between

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TWO_HOURS = dt.timedelta(hours=2)


def days(*spans):
    """Dates of 2026 from (month, first day, last day) spans."""
    return frozenset(dt.date(2026, month, day) for month, first, last in spans for day in range(first, last + 1))


HOLIDAYS_2026 = days((1, 1, 3), (2, 15, 23), (4, 4, 6), (5, 1, 5), (6, 19, 21), (9, 25, 27), (10, 1, 7))
MAKE_UP_DAYS_2026 = days((1, 4, 4), (2, 14, 14), (2, 28, 28), (5, 9, 9), (9, 20, 20), (10, 10, 10))
OFFICE = Hours(days=frozenset(range(1, 6)), days_off=HOLIDAYS_2026, days_on=MAKE_UP_DAYS_2026)  # Mon–Fri 09–18


def at(day, hour, minute=0, month=11):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


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
    with pytest.raises(ValueError):
        Hours(days_off=days((10, 1, 1)), days_on=days((10, 1, 1)))


def test_hours_with_a_calendar_stay_hashable_values():
    same = Hours(days=frozenset(range(1, 6)), days_off=frozenset(HOLIDAYS_2026), days_on=MAKE_UP_DAYS_2026)
    assert same == OFFICE and hash(same) == hash(OFFICE) and len({same, OFFICE, Hours()}) == 2


def test_national_day_stops_the_clock_for_the_golden_week():
    # Wednesday 30 September, 17:30: half an hour that day, then 1–7 October off, Thursday the 8th is a working day
    assert add_working_time(at(30, 17, 30, month=9), TWO_HOURS, OFFICE) == at(8, 10, 30, month=10)
    weekdays_only = Hours(days=frozenset(range(1, 6)))
    assert add_working_time(at(30, 17, 30, month=9), TWO_HOURS, weekdays_only) == at(1, 10, 30, month=10)


def test_a_make_up_saturday_counts_and_a_holiday_weekday_does_not():
    assert add_working_time(at(9, 17, month=10), TWO_HOURS, OFFICE) == at(10, 10, month=10)  # Saturday 10 October
    assert add_working_time(at(13, 17, month=2), TWO_HOURS, OFFICE) == at(14, 10, month=2)  # Saturday 14 February
    assert add_working_time(at(14, 17, month=2), TWO_HOURS, OFFICE) == at(24, 10, month=2)  # after Spring Festival
    seven_days = Hours(days_off=HOLIDAYS_2026, days_on=MAKE_UP_DAYS_2026)
    assert add_working_time(at(30, 17, 30, month=4), TWO_HOURS, seven_days) == at(6, 10, 30, month=5)


def test_working_time_between_skips_the_holiday_and_counts_the_make_up_day():
    assert working_time_between(at(30, 9, month=9), at(8, 18, month=10), OFFICE) == dt.timedelta(hours=18)
    weekdays_only = Hours(days=frozenset(range(1, 6)))
    assert working_time_between(at(30, 9, month=9), at(8, 18, month=10), weekdays_only) == dt.timedelta(hours=63)
    # Friday 18 September noon to Monday noon: 6 hours, Sunday the 20th worked in full, 3 hours
    assert working_time_between(at(18, 12, month=9), at(21, 12, month=9), OFFICE) == dt.timedelta(hours=18)
    assert working_time_between(at(26, 12, 15), at(26, 12, 45).astimezone(dt.UTC), Hours()) == dt.timedelta(minutes=30)


def test_no_working_time_passes_backwards_or_while_closed():
    assert working_time_between(at(27, 12), at(26, 12), Hours()) == dt.timedelta()
    assert working_time_between(at(27, 12), at(27, 12), Hours()) == dt.timedelta()
    assert working_time_between(at(1, 18, month=10), at(7, 23, month=10), OFFICE) == dt.timedelta()


def test_a_day_the_clocks_change_counts_its_true_length():
    night_shift = Hours(opens=dt.time(0, 30), closes=dt.time(5), zone="Europe/Berlin")  # 02:00 became 03:00
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    opening = dt.datetime(2026, 3, 29, 0, 30, tzinfo=berlin)
    assert working_time_between(opening, dt.datetime(2026, 3, 29, 5, tzinfo=berlin), night_shift) == dt.timedelta(
        hours=3, minutes=30)
    assert add_working_time(opening, dt.timedelta(hours=3), night_shift) == dt.datetime(2026, 3, 29, 4, 30,
                                                                                        tzinfo=berlin)


def test_adding_the_working_time_between_two_moments_lands_on_the_second():
    """add_working_time(s, working_time_between(s, e)) == e whenever e is inside the working hours
    (at an opening it lands on the closing before: no working time lies between the two)."""
    rng = random.Random(2026)
    year_start = at(1, 0, month=1)
    checked = 0
    while checked < 500:
        start = year_start + dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
        end = start + dt.timedelta(minutes=rng.randrange(60 * 24 * 30))
        local = end.astimezone(SHANGHAI)
        if not (OFFICE.works_on(local.date()) and OFFICE.opens < local.time() <= OFFICE.closes):
            continue
        assert add_working_time(start, working_time_between(start, end, OFFICE), OFFICE) == end, (start, end)
        checked += 1
