"""A complaint's whole way, as the people involved do it: the customer calls the hotline, the
agent opens a ticket through the API, the supervisor hands it to the station, nobody answers in
time and the worker escalates it on a simulated clock, the advisor answers and opens a work order
for the car from the ticket, uses parts under the factory warranty, hands the car back (the ticket
is resolved with the diagnosis), the call center's follow-up call records the customer's
satisfaction, which the 360 page shows, and a week later the worker closes the ticket."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from guanxi.core.jobs import system_actor
from guanxi.core.models import Notification
from guanxi.core.outbox import dispatch
from guanxi.customers.models import Activity, Vehicle
from guanxi.service import sweep
from guanxi.service.models import Part, Stock, Survey, Ticket

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_a_complaint_from_the_hotline_to_the_repaired_car(client, org, users, customers, monkeypatch):
    now = {"value": dt.datetime(2026, 4, 7, 9, 0, tzinfo=SHANGHAI)}  # a Tuesday
    monkeypatch.setattr(timezone, "now", lambda: now["value"])
    car = customers["li"].ownerships.get().vehicle
    Vehicle.objects.filter(pk=car.pk).update(warranty_end=dt.date(2027, 3, 8), mileage_km=18_000)
    pads = Part.objects.get(code="5Q0698151")
    Stock.objects.create(station=org["S-SH"], part=pads, on_hand=4)

    def as_(key, method, url, body=None):
        client.force_login(users[key])
        answer = getattr(client, method)(url, body or {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
        assert answer.status_code in (200, 201), (url, answer.content)
        return answer.json()

    ticket = as_("agent", "post", f"/api/customers/{customers['li'].pk}/tickets",
                 {"kind": "complaint", "subject": "Brakes squeal since the last service", "vehicle_id": car.pk})
    as_("supervisor", "post", f"/api/tickets/{ticket['id']}/assign",
        {"org_unit_id": org["S-SH"].pk, "assignee_id": users["service_advisor"].pk})

    now["value"] = dt.datetime(2026, 4, 7, 10, 5, tzinfo=SHANGHAI)  # the hour to answer has passed
    assert sweep.sweep(system_actor())["response_overdue"] == 1
    dispatch()
    escalated = Notification.objects.filter(link=f"/service/tickets/{ticket['id']}/",
                                            event__name="service.ticket.response_overdue")
    assert {note.user.username for note in escalated} == {"u_admin", "u_region", "u_service_advisor"}

    as_("service_advisor", "post", f"/api/tickets/{ticket['id']}/reply",
        {"body": "We are sorry. Please bring the car in today; we will check the brakes."})
    order = as_("service_advisor", "post", "/api/work-orders",
                {"ticket_id": ticket["id"], "mileage_km": 18_460, "complaint": "Brakes squeal"})
    assert order["vehicle_id"] == car.pk and order["billing"] == "warranty"
    assert order["reasons"][0].startswith("Factory warranty: until")
    as_("service_advisor", "post", f"/api/work-orders/{order['id']}/jobs",
        {"labour_code": "46-01-02", "description": "Replace front brake pads", "hours": "1.2"})
    as_("service_advisor", "post", f"/api/work-orders/{order['id']}/parts", {"part_id": pads.pk, "quantity": 1})
    done = as_("service_advisor", "post", f"/api/work-orders/{order['id']}/complete",
               {"diagnosis": "Pads glazed; replaced under warranty"})
    assert (done["customer_pays"], done["parts_total"]) == ("0.00", "680.00")
    as_("service_advisor", "post", f"/api/work-orders/{order['id']}/close")
    resolved = Ticket.objects.get(pk=ticket["id"])
    assert resolved.status == "resolved" and "Pads glazed" in resolved.resolution
    assert resolved.response_breached_at is not None and resolved.resolution_breached_at is None

    dispatch()  # the worker schedules the follow-up: a call on an agent's day
    call = Activity.objects.get(kind="call", customer=customers["li"], state="open")
    assert call.assignee == users["agent"]
    survey = Survey.objects.get(work_order_id=order["id"])
    client.force_login(users["agent"])
    assert client.post(f"/service/surveys/{survey.pk}/answer/", {"csat": "5", "nps": "9"}).status_code == 302
    client.force_login(users["service_advisor"])
    assert "CSAT 5/5" in client.get(f"/customers/{customers['li'].pk}/").content.decode()

    now["value"] = now["value"] + dt.timedelta(days=8)
    assert sweep.sweep(system_actor())["closed"] == 1
    assert Ticket.objects.get(pk=ticket["id"]).status == "closed"
    assert Stock.objects.get(part=pads).on_hand == 3
