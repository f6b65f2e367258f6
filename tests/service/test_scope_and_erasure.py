"""What a station or dealer may not do through the service side, and what erasure leaves: a car's
id does not open a work order (its VIN does), tickets go only to units one hands tickets to, a ticket
handed on is no longer its taker's to work, a work order and a ticket must be about the same customer,
and an erased customer's service records lose their words."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from guanxi.core.models import User
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer, Vehicle
from guanxi.service import surveys, tickets, workshop
from guanxi.service.models import Part, Stock, SupportHours, Survey, SurveyState, Ticket, TicketEntry, WorkOrder

pytestmark = pytest.mark.django_db


def _car(customer) -> Vehicle:
    return customer.ownerships.get().vehicle


def test_a_cars_id_alone_does_not_open_a_work_order_on_a_car_out_of_sight(users, customers):
    advisor = users["service_advisor"]  # S-SH services li's car, not zhang's
    zhang_car = _car(customers["zhang"])
    with pytest.raises(ValidationError) as refused:
        workshop.open_work_order(advisor, {"vehicle_id": zhang_car.pk, "mileage_km": 999_999, "complaint": "x"})
    assert "vehicle_id" in refused.value.message_dict
    assert not Customer.objects.restrict(advisor).filter(pk=customers["zhang"].pk).exists()
    assert Vehicle.objects.get(pk=zhang_car.pk).mileage_km == 0
    order = workshop.open_work_order(advisor, {"vin": zhang_car.vin, "mileage_km": 10, "complaint": "At the desk"})
    assert order.customer == customers["zhang"]  # the VIN read off the car at the desk is the proof


def test_a_work_order_and_its_ticket_are_about_the_same_customer(users, customers):
    ticket = tickets.open_ticket(users["agent"], {"customer_id": customers["li"].pk, "subject": "Noise",
                                                  "kind": "repair", "vehicle_id": _car(customers["li"]).pk})
    with pytest.raises(ValidationError) as refused:
        workshop.open_work_order(users["service_advisor"], {
            "ticket_id": ticket.pk, "vin": _car(customers["zhang"]).vin, "mileage_km": 1, "complaint": "Noise"})
    assert "ticket_id" in refused.value.message_dict
    assert not WorkOrder.objects.exists()


def test_a_dealer_hands_tickets_only_to_units_it_may_and_loses_the_work_of_one_handed_on(org, users, customers):
    manager = users["dealer_manager"]  # D-SH1
    ticket = tickets.open_ticket(manager, {"customer_id": customers["zhang"].pk, "subject": "Waited too long"})
    with pytest.raises(ValidationError) as refused:
        tickets.assign(manager, ticket.pk, org["D-GZ1"].pk)
    assert "org_unit_id" in refused.value.message_dict
    assert not Customer.objects.restrict(users["other_dealer"]).filter(pk=customers["zhang"].pk).exists()
    tickets.assign(users["supervisor"], ticket.pk, org["CC"].pk)  # the call center takes the complaint over
    assert Ticket.objects.restrict(manager, "view").filter(pk=ticket.pk).exists()  # the taker still reads it
    for step in (lambda: tickets.resolve(manager, ticket.pk, "Sorted"), lambda: tickets.close(manager, ticket.pk)):
        with pytest.raises(Exception) as refused:
            step()
        assert refused.typename == "Http404"


def test_closing_the_work_order_resolves_its_ticket_even_once_the_ticket_moved_on(org, users, customers):
    advisor = users["service_advisor"]
    car = _car(customers["li"])
    ticket = tickets.open_ticket(users["agent"], {"customer_id": customers["li"].pk, "vehicle_id": car.pk,
                                                  "kind": "repair", "subject": "Squeak"})
    order = workshop.open_work_order(advisor, {"ticket_id": ticket.pk, "mileage_km": 10, "complaint": "Squeak"})
    workshop.add_job(advisor, order.pk, {"labour_code": "01", "description": "Grease", "hours": "0.3"})
    workshop.complete(advisor, order.pk, "Greased")
    tickets.assign(users["supervisor"], ticket.pk, org["CC"].pk)
    assert workshop.close(advisor, order.pk).status == "closed"
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"


def test_a_mistyped_odometer_on_a_cancelled_work_order_is_not_kept(users, customers):
    advisor = users["service_advisor"]
    car = _car(customers["li"])
    wrong = workshop.open_work_order(advisor, {"vin": car.vin, "mileage_km": 184_600, "complaint": "x"})
    workshop.cancel(advisor, wrong.pk, "Typed the mileage wrong")
    right = workshop.open_work_order(advisor, {"vin": car.vin, "mileage_km": 18_460, "complaint": "x"})
    workshop.add_job(advisor, right.pk, {"labour_code": "01", "description": "Check", "hours": "0.5"})
    workshop.complete(advisor, right.pk, "Fine")
    assert Vehicle.objects.get(pk=car.pk).mileage_km == 18_460


def test_one_visit_gets_one_survey_whichever_is_closed_first_and_a_declined_one_ends_the_call(users, customers):
    advisor = users["service_advisor"]
    car = _car(customers["li"])
    ticket = tickets.open_ticket(users["agent"], {"customer_id": customers["li"].pk, "vehicle_id": car.pk,
                                                  "kind": "repair", "subject": "Rattle"})
    tickets.resolve(users["agent"], ticket.pk, "Booked in")
    tickets.close(users["agent"], ticket.pk)
    first = surveys.schedule(customers["li"], ticket.org_unit_id, ticket=ticket)
    order = workshop.open_work_order(advisor, {"ticket_id": ticket.pk, "mileage_km": 1, "complaint": "Rattle"})
    assert surveys.schedule(customers["li"], order.station_id, work_order=order) == first
    assert Survey.objects.count() == 1
    assert surveys.decline(users["agent"], first.pk).state == SurveyState.DECLINED
    with pytest.raises(ValidationError):
        surveys.record(users["agent"], first.pk, 5)


def test_support_hours_are_checked_beside_the_field_in_the_readers_language(org):
    hours = SupportHours(org_unit=org["S-SH"], opens=dt.time(18), closes=dt.time(8), working_days="1,9")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        hours.full_clean()
    assert set(refused.value.message_dict) == {"closes", "working_days"}
    assert "工作日" in refused.value.message_dict["working_days"][0]


def test_the_station_hears_once_when_free_stock_falls_to_the_reorder_level(org, users, customers):
    from guanxi.core.models import DomainEvent

    part = Part.objects.get(code="06L115562")
    Stock.objects.create(station=org["S-SH"], part=part, on_hand=5, reorder_level=3)
    order = workshop.open_work_order(users["service_advisor"], {"vin": _car(customers["li"]).vin,
                                                                "mileage_km": 1, "complaint": "Service"})
    for _ in range(4):  # free: 4, 3 (the level: told), 2, 1
        workshop.add_part(users["service_advisor"], order.pk, part.pk, 1)
    assert DomainEvent.objects.filter(name="service.stock.low").count() == 1


def test_erasure_leaves_the_service_facts_and_takes_their_words(org, users, customers, tmp_path, settings):
    from auditlog.models import LogEntry
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    advisor = users["service_advisor"]
    li, car = customers["li"], _car(customers["li"])
    ticket = tickets.open_ticket(users["agent"], {"customer_id": li.pk, "vehicle_id": car.pk, "kind": "repair",
                                                  "subject": "李娜's brakes, call 13900139000"})
    tickets.note(advisor, ticket.pk, "She said 13900139000", SimpleUploadedFile("id.jpg", b"photo"))
    order = workshop.open_work_order(advisor, {"vin": car.vin, "mileage_km": 5, "complaint": "李娜 says brakes"})
    survey = Survey.objects.create(customer=li, station=org["S-SH"], ticket=ticket, comment="李娜: fine")
    stored = TicketEntry.objects.exclude(attachment="").get().attachment.path
    customer_services.erase_customer(User.objects.get(username="u_admin"), li.pk)
    from guanxi.core.outbox import dispatch

    dispatch()
    ticket.refresh_from_db()
    order.refresh_from_db()
    survey.refresh_from_db()
    assert (ticket.subject, ticket.kind, order.complaint, survey.comment) == ("—", "repair", "—", "")
    assert not TicketEntry.objects.exclude(body="").filter(kind="note").exists()
    assert not (tmp_path / stored).exists()
    assert "13900139000" not in str(list(LogEntry.objects.values_list("changes", "object_repr")))
