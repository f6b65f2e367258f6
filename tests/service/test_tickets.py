"""Tickets from intake to closing, on the clocks a service desk lives by: due times in the
responsible unit's working hours with China's holidays off, paused while the customer owes an
answer, breaches marked once and escalated, the report counting what was met."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from guanxi.core.jobs import system_actor
from guanxi.core.models import Notification, OrgUnit
from guanxi.core.outbox import dispatch
from guanxi.customers.models import Customer, CustomerRelationship, RelationshipKind
from guanxi.service import attainment, sweep, tickets
from guanxi.service.models import Priority, SupportHours, Ticket, TicketKind, TicketStatus

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock(monkeypatch):
    """A clock the test sets: `clock(at(...))`."""
    now = {"value": timezone.now()}
    monkeypatch.setattr(timezone, "now", lambda: now["value"])

    def set_to(moment):
        now["value"] = moment
    return set_to


@pytest.fixture
def station(org):
    SupportHours.objects.create(org_unit=org["S-SH"], opens=dt.time(8, 30), closes=dt.time(18))
    return org["S-SH"]


def _car(customer):
    return customer.ownerships.get().vehicle


def test_a_vip_repair_on_the_eve_of_spring_festival_falls_due_after_the_holiday(
        users, customers, station, clock):
    """Fri 2026-02-13 17:00: 60 working minutes to answer (a VIP's half of 120), 855 to resolve.
    The station works Sat 14 (a make-up working day anyway), is closed 15-23 February."""
    Customer.objects.filter(pk=customers["li"].pk).update(tier="vip")
    clock(at(2026, 2, 13, 17, 0))
    ticket = tickets.open_ticket(users["agent"], {
        "customer_id": customers["li"].pk, "vehicle_id": _car(customers["li"]).pk, "kind": TicketKind.REPAIR,
        "subject": "Engine light on", "channel": "phone"})
    assert ticket.org_unit == station  # the station servicing the car, not the call center
    assert ticket.opened_in.code == "CC" and ticket.tier == "vip" and ticket.status == TicketStatus.NEW
    assert ticket.first_response_due == at(2026, 2, 13, 18, 0)
    assert ticket.resolution_due == at(2026, 2, 24, 12, 15)  # 60 on Fri + 570 on Sat + 225 on Tue 24th


def test_a_standard_customer_gets_the_standard_time_and_a_station_without_hours_the_default(
        users, customers, clock):
    clock(at(2026, 3, 10, 9, 0))  # a Tuesday
    ticket = tickets.open_ticket(users["service_advisor"], {
        "customer_id": customers["li"].pk, "kind": TicketKind.CONSULTATION, "subject": "Tyre pressure"})
    assert ticket.org_unit.code == "S-SH"
    assert ticket.first_response_due == at(2026, 3, 10, 11, 0)
    assert ticket.resolution_due == at(2026, 3, 11, 9, 0)  # 540 minutes today, 30 tomorrow from 08:30


def test_waiting_on_the_customer_pauses_the_resolution_clock_and_the_first_reply_stops_the_first(
        users, customers, station, clock):
    clock(at(2026, 3, 10, 9, 0))
    advisor = users["service_advisor"]
    ticket = tickets.open_ticket(advisor, {"customer_id": customers["li"].pk, "kind": TicketKind.CONSULTATION,
                                           "subject": "Which oil?"})
    clock(at(2026, 3, 10, 10, 0))
    ticket = tickets.reply(advisor, ticket.pk, "Please send a photo of the oil cap.", wait=True)
    assert ticket.status == TicketStatus.WAITING and ticket.first_responded_at == at(2026, 3, 10, 10, 0)
    assert ticket.assignee == advisor
    clock(at(2026, 3, 12, 10, 0))  # two days later the customer answers: 510 working minutes were left
    ticket = tickets.resume(advisor, ticket.pk, "Photo received")
    assert ticket.status == TicketStatus.IN_PROGRESS
    assert ticket.resolution_due == at(2026, 3, 13, 9, 0)
    clock(at(2026, 3, 13, 8, 45))
    ticket = tickets.resolve(advisor, ticket.pk, "5W-30, 4.5 litres")
    rows = attainment.attainment(Ticket.objects.all())
    assert [(row["response_met"], row["response_missed"], row["resolution_met"], row["resolution_missed"])
            for row in rows] == [(1, 0, 1, 0)]
    assert [(entry.kind, entry.status) for entry in ticket.entries.all()] == [
        ("event", "new"), ("reply", ""), ("event", "waiting"), ("event", "in_progress"), ("event", "resolved")]


def test_the_sweep_marks_warns_and_escalates_once_and_closes_resolved_tickets_after_a_week(
        users, customers, station, clock):
    clock(at(2026, 3, 10, 9, 0))
    late = tickets.open_ticket(users["supervisor"], {
        "customer_id": customers["li"].pk, "vehicle_id": _car(customers["li"]).pk, "kind": TicketKind.COMPLAINT,
        "subject": "Car returned dirty", "priority": Priority.NORMAL, "org_unit_id": station.pk})
    assert late.first_response_due == at(2026, 3, 10, 10, 0)
    dispatch()
    assert Notification.objects.filter(user=users["service_advisor"], link=late.get_absolute_url()).exists()

    clock(at(2026, 3, 10, 10, 1))
    assert sweep.sweep(system_actor())["response_overdue"] == 1
    assert sweep.sweep(system_actor())["response_overdue"] == 0  # marked once
    late.refresh_from_db()
    assert late.response_breached_at == at(2026, 3, 10, 10, 1) and late.priority == Priority.HIGH
    dispatch()
    escalated = set(Notification.objects.filter(link=late.get_absolute_url(),
                                                event__name="service.ticket.response_overdue")
                    .values_list("user__username", flat=True))
    assert escalated == {"u_admin", "u_region"}  # who hands tickets out above S-SH and at HQ; not D-SH1

    clock(late.resolution_due - dt.timedelta(minutes=30))
    assert sweep.sweep(system_actor())["due_soon"] == 1
    clock(late.resolution_due + dt.timedelta(minutes=1))
    done = sweep.sweep(system_actor())
    assert (done["overdue"], done["due_soon"]) == (1, 0)
    late.refresh_from_db()
    assert late.priority == Priority.URGENT and late.resolution_breached_at is not None

    tickets.resolve(users["service_advisor"], late.pk, "Cleaned and apologised; voucher given")
    clock(timezone.now() + dt.timedelta(days=8))
    assert sweep.sweep(system_actor())["closed"] == 1
    late.refresh_from_db()
    assert late.status == TicketStatus.CLOSED
    rows = attainment.totals(attainment.attainment(Ticket.objects.all()))
    assert (rows["response_met"], rows["response_missed"], rows["resolution_met"], rows["resolution_missed"]) == \
        (0, 1, 0, 1)


def test_reopening_gives_the_whole_resolution_time_again_and_counts_it(users, customers, station, clock):
    clock(at(2026, 3, 10, 9, 0))
    advisor = users["service_advisor"]
    ticket = tickets.open_ticket(advisor, {"customer_id": customers["li"].pk, "subject": "Noise"})
    tickets.resolve(advisor, ticket.pk, "Tightened the heat shield")
    with pytest.raises(ValidationError) as refused:
        tickets.reopen(advisor, ticket.pk, " ")
    assert "reason" in refused.value.message_dict
    clock(at(2026, 3, 16, 9, 0))
    ticket = tickets.reopen(advisor, ticket.pk, "Noise is back")
    assert ticket.status == TicketStatus.IN_PROGRESS and ticket.reopened == 1 and ticket.resolved_at is None
    assert ticket.resolution_due == at(2026, 3, 17, 9, 0)


def test_a_ticket_handed_to_a_dealer_lets_it_see_the_customer_and_steps_refuse_the_wrong_state(
        org, users, customers):
    ticket = tickets.open_ticket(users["agent"], {"customer_id": customers["wang"].pk, "subject": "Brochure"})
    assert ticket.org_unit.code == "CC"
    before = Ticket.objects.restrict(users["other_dealer"]).filter(pk=ticket.pk).exists()
    tickets.assign(users["supervisor"], ticket.pk, org["D-SH1"].pk, users["dealer_manager"].pk)
    ticket.refresh_from_db()
    assert not before and ticket.status == TicketStatus.ASSIGNED and ticket.assignee == users["dealer_manager"]
    assert CustomerRelationship.objects.filter(customer=customers["wang"], org_unit=org["D-SH1"],
                                               kind=RelationshipKind.SERVICE, until__isnull=True).exists()
    assert Ticket.objects.restrict(users["dealer_manager"]).filter(pk=ticket.pk).exists()
    with pytest.raises(ValidationError) as refused:
        tickets.close(users["dealer_manager"], ticket.pk)
    assert "status" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        tickets.assign(users["supervisor"], ticket.pk, org["S-SH"].pk, users["dealer_sales"].pk)
    assert "assignee_id" in refused.value.message_dict  # a dealer's salesman works no tickets


def test_another_customers_car_and_a_unit_the_writer_may_not_hand_to_are_refused(org, users, customers):
    with pytest.raises(ValidationError) as refused:
        tickets.open_ticket(users["agent"], {"customer_id": customers["wang"].pk, "subject": "x",
                                             "vehicle_id": _car(customers["li"]).pk})
    assert "vehicle_id" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        tickets.open_ticket(users["dealer_sales"], {"customer_id": customers["zhang"].pk, "subject": "x",
                                                    "org_unit_id": org["D-SH2"].pk})
    assert "org_unit_id" in refused.value.message_dict
    assert not Ticket.objects.exists()


def test_the_page_way_attachments_stay_behind_the_scope(client, users, customers, station, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(users["agent"])
    answer = client.post(reverse("service:customer_ticket_add", args=[customers["li"].pk]),
                         {"kind": "repair", "channel": "phone", "priority": "normal", "subject": "Door rattles",
                          "vehicle": _car(customers["li"]).pk}, HTTP_ACCEPT_LANGUAGE="en")
    ticket = Ticket.objects.get()
    assert answer.status_code == 302 and ticket.org_unit == station
    client.force_login(users["service_advisor"])
    page = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert b"Take the ticket" in page.content and b"Answer the customer" in page.content
    photo = SimpleUploadedFile("rattle.jpg", b"\xff\xd8\xff jpeg bytes", content_type="image/jpeg")
    answer = client.post(reverse("service:ticket_step", args=[ticket.pk, "note"]),
                         {"body": "Photo from the customer", "attachment": photo}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 302
    entry = ticket.entries.exclude(attachment="").get()
    url = reverse("service:ticket_attachment", args=[ticket.pk, entry.pk])
    assert b"".join(client.get(url).streaming_content) == b"\xff\xd8\xff jpeg bytes"
    client.force_login(users["other_dealer"])
    assert client.get(url).status_code == 404
    client.force_login(users["service_advisor"])
    empty = client.post(reverse("service:ticket_step", args=[ticket.pk, "resolve"]), {"resolution": ""},
                        HTTP_ACCEPT_LANGUAGE="en")
    assert empty.status_code == 422 and Ticket.objects.get().status == TicketStatus.NEW


def test_the_api_opens_answers_and_reports(client, users, customers, station):
    client.force_login(users["agent"])
    made = client.post(f"/api/customers/{customers['li'].pk}/tickets",
                       {"kind": "complaint", "subject": "Waited 2 hours at the station"},
                       content_type="application/json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert client.post(f"/api/tickets/{pk}/reply", {"body": "We are sorry; the manager will call you."},
                       content_type="application/json").json()["status"] == "in_progress"
    assert client.post(f"/api/tickets/{pk}/resolve", {"resolution": "Apology, free wash"},
                       content_type="application/json").json()["status"] == "resolved"
    assert [(entry["kind"], entry["status"]) for entry in client.get(f"/api/tickets/{pk}/entries").json()] == \
        [("event", "new"), ("reply", None), ("event", "in_progress"), ("event", "resolved")]
    report = client.get("/api/service-levels?by=unit").json()
    assert report["rows"][0]["label"] == OrgUnit.objects.get(code="CC").name  # a complaint stays with its taker
    assert report["total"]["response_met"] == report["total"]["resolution_met"] == 1
    assert client.get("/api/service-levels?by=colour").status_code == 422
    bad = client.post(f"/api/customers/{customers['li'].pk}/tickets", {"kind": "party", "subject": "x"},
                      content_type="application/json")
    assert bad.status_code == 422 and "kind" in bad.content.decode()


def test_the_home_page_queues_the_advisors_open_tickets_soonest_due_first(client, users, customers, station, clock):
    clock(at(2026, 3, 10, 9, 0))
    advisor = users["service_advisor"]
    later = tickets.open_ticket(advisor, {"customer_id": customers["li"].pk, "kind": TicketKind.SUGGESTION,
                                          "subject": "Coffee in the lounge"})
    sooner = tickets.open_ticket(advisor, {"customer_id": customers["li"].pk, "kind": TicketKind.COMPLAINT,
                                           "subject": "Scratch after the wash"})
    done = tickets.open_ticket(advisor, {"customer_id": customers["li"].pk, "subject": "Opening hours"})
    tickets.resolve(advisor, done.pk, "Told")
    clock(at(2026, 3, 12, 10, 0))  # the complaint had two working days (due 09:00 today)
    client.force_login(advisor)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    queue = page[page.index('id="ticket-queue"'):]
    assert queue.index(sooner.subject) < queue.index(later.subject) and done.subject not in queue
    assert "1 past its due time." in queue
    client.force_login(users["dealer_sales"])  # sees tickets it took in, works none
    assert 'id="ticket-queue"' not in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_ticket_page_suggests_published_articles_that_may_answer_it(client, users, customers):
    from tests.knowledge.articles import make_articles

    articles = make_articles()
    ticket = tickets.open_ticket(users["agent"], {"customer_id": customers["li"].pk, "subject": "刹车有异响怎么办"})
    client.force_login(users["agent"])
    page = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    suggested = page[page.index('id="suggested-articles"'):]
    assert articles["brakes"].get_absolute_url() in suggested
    assert articles["draft"].get_absolute_url() not in suggested  # only published knowledge is suggested
    linked = client.post(reverse("service:ticket_step", args=[ticket.pk, "link_article"]),
                         {"article": articles["brakes"].pk})
    assert linked.status_code == 302 and list(Ticket.objects.get(pk=ticket.pk).articles.all()) == [articles["brakes"]]
    refused = client.post(f"/api/tickets/{ticket.pk}/articles", {"article_id": articles["draft"].pk},
                          content_type="application/json")
    assert refused.status_code == 422 and "article_id" in refused.content.decode()
    assert client.get(f"/api/tickets/{ticket.pk}").json()["article_ids"] == [articles["brakes"].pk]
