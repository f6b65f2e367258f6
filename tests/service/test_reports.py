"""The service reports: what is piling up (open tickets by age and type), what was solved at the
first answer, and which repairs did not hold (the same car and labour back within 30 days)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.service import reports, tickets, workshop
from guanxi.service.models import Ticket, WorkOrder

pytestmark = pytest.mark.django_db


def _aged(ticket, days):
    Ticket.objects.filter(pk=ticket.pk).update(created_at=timezone.now() - dt.timedelta(days=days))


def test_open_tickets_fall_into_age_bands_by_type_and_closed_ones_do_not_count(users, customers):
    agent = users["agent"]
    made = {}
    for name, kind, days in (("fresh", "complaint", 0.2), ("two days", "complaint", 2), ("old", "repair", 10),
                             ("done", "complaint", 5)):
        made[name] = tickets.open_ticket(agent, {"customer_id": customers["li"].pk, "kind": kind, "subject": name})
        _aged(made[name], days)
    tickets.resolve(agent, made["done"].pk, "Explained")
    rows = {row["kind"]: row["counts"] for row in reports.open_by_age(Ticket.objects.all())}
    assert rows == {"complaint": [1, 1, 0, 0], "repair": [0, 0, 0, 1]}


def test_first_contact_resolution_counts_one_answer_and_no_reopening(users, customers):
    agent = users["agent"]
    once, twice, reopened = (tickets.open_ticket(agent, {"customer_id": customers["li"].pk, "subject": s})
                             for s in ("once", "twice", "reopened"))
    tickets.reply(agent, once.pk, "Here is the answer")
    tickets.resolve(agent, once.pk, "Answered")
    tickets.reply(agent, twice.pk, "Let me check")
    tickets.reply(agent, twice.pk, "Here it is")
    tickets.resolve(agent, twice.pk, "Answered")
    tickets.resolve(agent, reopened.pk, "Answered")
    tickets.reopen(agent, reopened.pk, "Not really")
    tickets.resolve(agent, reopened.pk, "Now answered")
    assert reports.first_contact_resolution(Ticket.objects.all()) == {"resolved": 3, "first_contact": 1,
                                                                      "share": 33.3}


def _repair(advisor, car, code, mileage, days_ago):
    order = workshop.open_work_order(advisor, {"vin": car.vin, "mileage_km": mileage, "complaint": "Noise"})
    workshop.add_job(advisor, order.pk, {"labour_code": code, "description": "Fix", "hours": "1"})
    workshop.complete(advisor, order.pk, "Fixed")
    WorkOrder.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(days=days_ago))
    return order


def test_a_repair_with_the_same_labour_on_the_same_car_within_30_days_is_a_repeat(client, users, customers):
    advisor = users["service_advisor"]
    car = customers["li"].ownerships.get().vehicle
    _repair(advisor, car, "46-01", 100, 70)
    _repair(advisor, car, "46-01", 200, 50)  # 20 days after the first: a repeat
    _repair(advisor, car, "27-01", 300, 45)  # other labour: not a repeat
    again = _repair(advisor, car, "46-01", 400, 5)  # 45 days after the last 46-01: not a repeat
    repeat = WorkOrder.objects.get(mileage_km=200)
    count, shown = reports.repeat_repairs(WorkOrder.objects.all())
    assert (count, [order.pk for order in shown]) == (1, [repeat.pk])
    client.force_login(advisor)
    answer = client.get("/api/service-reports").json()
    assert answer["repeat_repairs"] == [repeat.pk] and again.pk not in answer["repeat_repairs"]
    page = client.get(reverse("service:reports"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert str(repeat) in page and "First-contact resolution" in page
    client.force_login(users["other_dealer"])
    assert client.get("/api/service-reports").json()["repeat_repairs"] == []
