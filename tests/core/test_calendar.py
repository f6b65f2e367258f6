"""China's public calendar as data: seeded from chinese_calendar, kept by administrators in the
admin, read by every working-hours clock without a query per clock."""

import datetime as dt

import pytest

from guanxi.core.calendar import observing_public_calendar, public_calendar
from guanxi.core.models import CalendarDay
from guanxi.core.roles import Role
from guanxi.core.working_hours import Hours

pytestmark = pytest.mark.django_db


def test_the_calendar_is_seeded_from_2024_with_chinese_and_english_names():
    spring_festival = CalendarDay.objects.filter(date__range=(dt.date(2026, 2, 14), dt.date(2026, 2, 28)))
    assert list(spring_festival.filter(working=False).values_list("date", flat=True)) == [
        dt.date(2026, 2, day) for day in range(15, 24)]
    assert list(spring_festival.filter(working=True).values_list("date", flat=True)) == [
        dt.date(2026, 2, 14), dt.date(2026, 2, 28)]
    assert set(spring_festival.values_list("name", "name_en")) == {("春节", "Spring Festival")}
    assert CalendarDay.objects.get(date=dt.date(2026, 4, 5)).name == "清明节"
    assert CalendarDay.objects.get(date=dt.date(2026, 10, 10)).working
    assert CalendarDay.objects.order_by("date").first().date.year == 2024


def test_the_calendar_is_read_once_and_again_after_a_change(django_assert_num_queries):
    with django_assert_num_queries(1):
        days_off, days_on = public_calendar()
    assert dt.date(2026, 10, 1) in days_off and dt.date(2026, 10, 10) in days_on
    with django_assert_num_queries(0):
        assert public_calendar() == (days_off, days_on)
    local = CalendarDay.objects.create(date=dt.date(2026, 12, 24), name="公司假日", name_en="Company day off")
    assert dt.date(2026, 12, 24) in public_calendar()[0]
    local.working = True
    local.save()
    assert dt.date(2026, 12, 24) in public_calendar()[1] - public_calendar()[0]
    local.delete()
    assert dt.date(2026, 12, 24) not in public_calendar()[0] | public_calendar()[1]


def test_hours_observing_the_calendar_keep_their_window_and_days():
    hours = observing_public_calendar(Hours(dt.time(8, 30), dt.time(17), frozenset({1, 2, 3, 4, 5})))
    assert (hours.opens, hours.closes, hours.days) == (dt.time(8, 30), dt.time(17), frozenset({1, 2, 3, 4, 5}))
    assert not hours.works_on(dt.date(2026, 10, 1)) and hours.works_on(dt.date(2026, 10, 10))


def test_administrators_add_next_years_days_in_the_admin(client, users):
    administrator = users[Role.ADMIN]
    administrator.is_staff = True
    administrator.save()
    client.force_login(administrator)
    assert client.get("/admin/core/calendarday/?date__year=2026").status_code == 200
    response = client.post("/admin/core/calendarday/add/",
                           {"date": "2027-02-06", "working": "", "name": "春节", "name_en": "Spring Festival"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert dt.date(2027, 2, 6) in public_calendar()[0]
