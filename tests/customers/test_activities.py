"""Activities: My day's quadrants, done in one click, follow-ups from a logged call, reminders,
the 360 page's open items; pages and endpoints from the generic views with their isolation tests."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from guanxi.core.models import Notification, User
from guanxi.core.roles import Role
from guanxi.customers import activities, api
from guanxi.customers.models import Activity, Interaction
from tests.isolation import (
    USER_KEYS,
    AddPageIsolation,
    ApiIsolation,
    ChildAddPageIsolation,
    ListPageIsolation,
    expected,
)

NOW = timezone.now


def _user(role: str) -> User:
    return User.objects.get(username=f"u_{role}")


def _plan(customers) -> list[Activity]:
    """One activity per customer for its dealer's salesperson or head office, and a workshop's own."""
    admin = _user(Role.ADMIN)
    for customer in customers.values():
        activities.schedule_activity(admin, {"summary": f"回访 {customer.name}", "due_at": _at(2)},
                                     customer_pk=customer.pk)
    activities.schedule_activity(_user(Role.SERVICE_ADVISOR), {"summary": "提醒首保", "due_at": NOW()},
                                 customer_pk=customers["li"].pk)
    return list(Activity.objects.order_by("pk"))


class TestActivityPagesIsolation(AddPageIsolation):
    model = Activity
    add_url, detail_url, edit_url = "customers:activity_add", "customers:activity", "customers:activity_edit"
    objects = staticmethod(_plan)


class TestActivityListIsolation(ListPageIsolation):
    model, list_url = Activity, "customers:activities"
    prepare = staticmethod(lambda users, customers: _plan(customers))


class TestScheduleOnACustomerIsolation(ChildAddPageIsolation):
    child_add_pages = [("customers:customer_activity_add", "view", ("customers.activity", "add"))]


class TestActivityApiIsolation(ApiIsolation):
    api = api.ActivityApi()
    create_body = {"summary": "回电确认试驾", "due_at": "2030-01-02T10:00:00+08:00"}
    create_needs = ("view", ("customers.activity", "add"))
    prepare = staticmethod(lambda users, customers: _plan(customers))


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_closing_answers_what_the_scope_allows(client, users, customers, user_key):
    client.force_login(users[user_key])
    for activity in _plan(customers):
        wanted = expected(users[user_key], Activity, activity, "change")
        response = client.post(reverse("customers:activity_close", args=[activity.pk]), {"state": "done"})
        assert response.status_code == (302 if wanted == 200 else wanted), (user_key, activity)
        closed = Activity.objects.get(pk=activity.pk).state == "done"
        assert closed == (wanted == 200)


def _at(hours: float) -> dt.datetime:
    return NOW() + dt.timedelta(hours=hours)


def test_my_day_puts_urgent_and_important_first_and_flags_what_is_overdue(client, users, customers):
    seller = users[Role.DEALER_SALES]
    zhang = customers["zhang"]
    zhang.tier = "vip"
    zhang.save()

    def plan(summary, due, **flags):
        return activities.schedule_activity(seller, {"summary": summary, "due_at": due, **flags},
                                            customer_pk=zhang.pk)

    late = plan("昨天该回的电话", _at(-20), important=False)
    # later today, also in the last half hour before midnight (local: the my-day quadrants' "today")
    later_today = min(_at(0.5), activities.end_of_today() - dt.timedelta(seconds=1))
    vip_now = plan("VIP 今天回电", later_today)  # important by default: a VIP customer
    vip_next_week = plan("VIP 下周交车", _at(24 * 7))
    marked = plan("报价单", _at(24 * 3), important=False, urgent=True)
    someday = plan("送生日贺卡", _at(24 * 30), important=False)
    activities.schedule_activity(users[Role.ADMIN], {"summary": "总部的事", "due_at": _at(1)}, customer_pk=zhang.pk)

    quadrants = {q.key: [a.summary for a in q.activities] for q in activities.my_day(seller)}
    assert quadrants == {"do_first": [vip_now.summary], "schedule": [vip_next_week.summary],
                         "quick": [late.summary, marked.summary], "later": [someday.summary]}
    client.force_login(seller)
    page = client.get(reverse("customers:my_day"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    order = [page.index(summary) for summary in ("VIP 今天回电", "VIP 下周交车", "昨天该回的电话", "送生日贺卡")]
    assert order == sorted(order)
    assert "总部的事" not in page and page.count("Overdue") == 1 and "5 open activities" in page


def test_done_in_one_click_and_not_twice(client, users, customers):
    seller = users[Role.DEALER_SALES]
    activity = activities.schedule_activity(seller, {"summary": "确认试驾时间", "due_at": _at(1)},
                                            customer_pk=customers["zhang"].pk)
    client.force_login(seller)
    url = reverse("customers:activity_close", args=[activity.pk])
    swapped = client.post(url, {"state": "done"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    assert swapped.status_code == 200 and "activity-closed" in swapped.content.decode()
    activity.refresh_from_db()
    assert activity.state == "done" and activity.closed_at is not None
    again = client.post(url, {"state": "done"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 422 and "done already" in again.content.decode()
    assert "确认试驾时间" not in client.get(reverse("customers:my_day")).content.decode()


def test_a_logged_call_with_a_follow_up_lands_in_my_day_and_on_the_360_page(client, users, customers):
    seller, zhang = users[Role.DEALER_SALES], customers["zhang"]
    client.force_login(seller)
    form = {"channel": "phone", "direction": "out", "subject": "邀约试驾", "summary": "周六上午有空",
            "occurred_at": "", "follow_up": "周五确认试驾", "follow_up_due": ""}
    response = client.post(reverse("customers:interaction_add", args=[zhang.pk]), form)
    assert response.status_code == 302
    follow_up = Activity.objects.get()
    interaction = Interaction.objects.get(subject="邀约试驾")
    tomorrow_ten = timezone.localtime(follow_up.due_at)
    assert (follow_up.summary, follow_up.assignee, follow_up.customer, follow_up.link) == (
        "周五确认试驾", seller, zhang, interaction)
    assert (tomorrow_ten.date(), tomorrow_ten.hour) == (timezone.localdate() + dt.timedelta(days=1), 10)
    assert "周五确认试驾" in client.get(reverse("customers:my_day")).content.decode()
    client.force_login(users[Role.AGENT])  # the call center sees the customer's open items too
    assert "周五确认试驾" in client.get(reverse("customers:detail", args=[zhang.pk])).content.decode()


def test_a_follow_up_in_the_past_is_refused_beside_the_field_and_nothing_is_written(client, users, customers):
    client.force_login(users[Role.DEALER_SALES])
    form = {"channel": "phone", "direction": "out", "subject": "邀约试驾", "summary": "", "occurred_at": "",
            "follow_up": "回电", "follow_up_due": "2020-01-01T10:00"}
    response = client.post(reverse("customers:interaction_add", args=[customers["zhang"].pk]), form,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422 and "later than now" in response.content.decode()
    assert response.context["form"]["follow_up"].value() == "回电"
    assert not Activity.objects.exists() and not Interaction.objects.exists()


def test_reminders_go_once_to_the_assignee_in_their_language(users, customers):
    seller = users[Role.DEALER_SALES]
    seller.language = "en"
    seller.save()
    soon = activities.schedule_activity(seller, {"summary": "确认试驾", "due_at": _at(0.1)},
                                        customer_pk=customers["zhang"].pk)
    activities.schedule_activity(seller, {"summary": "下周的事", "due_at": _at(48)})
    assert activities.remind_due() == 1
    assert activities.remind_due() == 0
    note = Notification.objects.get(user=seller)
    assert "Call: 确认试驾 · 张伟" in note.title and note.link == soon.get_absolute_url()
    activities.update_activity(seller, soon.pk, {"due_at": _at(0.2)})  # a new time: a new reminder
    assert activities.remind_due() == 1
    activities.update_activity(seller, soon.pk, {"due_at": _at(0.25)})
    seller.is_active = False
    seller.save()
    assert activities.remind_due() == 0 and Notification.objects.filter(user=seller).count() == 2


def test_an_activity_goes_only_to_a_colleague_who_can_see_the_customer(client, users, customers):
    client.force_login(users[Role.DEALER_SALES])
    url = f"/api/customers/{customers['zhang'].pk}/activities"
    body = {"summary": "交给经理", "due_at": "2030-01-02T10:00:00+08:00"}
    manager = users[Role.DEALER_MANAGER]
    handed = client.post(url, {**body, "assignee_id": manager.pk}, content_type="application/json")
    assert handed.status_code == 201 and handed.json()["assignee_id"] == manager.pk
    for stranger in (users["other_dealer"].pk, 999_999):
        refused = client.post(url, {**body, "assignee_id": stranger}, content_type="application/json")
        assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "assignee_id"
    with pytest.raises(ValidationError):  # the workshop cannot see the sales side of a customer it only services
        activities.schedule_activity(users[Role.ADMIN], {"summary": "x", "due_at": _at(1),
                                                         "assignee": users[Role.SERVICE_ADVISOR]},
                                     customer_pk=customers["zhang"].pk)


def test_closing_through_the_api(client, users, customers):
    seller = users[Role.DEALER_SALES]
    activity = activities.schedule_activity(seller, {"summary": "发报价", "due_at": _at(3)},
                                            customer_pk=customers["zhang"].pk)
    client.force_login(seller)
    mine = client.get("/api/activities", {"mine": "true", "state": "open"}).json()["results"]
    assert [row["id"] for row in mine] == [activity.pk]
    done = client.patch(f"/api/activities/{activity.pk}", {"state": "done"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "done"
    assert client.get("/api/activities", {"mine": "true", "state": "open"}).json()["results"] == []
