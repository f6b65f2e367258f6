"""Every booking page and endpoint answers what the scoping layer allows, role by role: a station
sees and books its own bays, technicians and bookings; head office and the call center all; a
dealer's sales people nothing."""

import pytest
from django.db import transaction
from django.urls import reverse

from guanxi.core.models import OrgUnit, User
from guanxi.core.scoping import may, within_reach
from guanxi.service import booking_api
from guanxi.service.models import Bay, Booking, Technician
from tests.conftest import shared_people
from tests.isolation import USER_KEYS, AddPageIsolation, ApiIsolation, ListPageIsolation, expected
from tests.service.test_bookings import at, working_day, workshop

pytestmark = pytest.mark.django_db
people, org, users, customers = shared_people()


def booking_rows(users, customers) -> list[Booking]:
    """One booking at S-SH, one at D-SH1's workshop."""
    place = workshop(users)
    if not Booking.objects.exists():
        day = working_day(place["station"].pk)
        for bay, customer in ((place["lift"], customers["li"]), (Bay.objects.get(name="Lift A"), customers["zhang"])):
            Booking.objects.create(station=bay.station, bay=bay, customer=customer,
                                   vehicle=customer.ownerships.get().vehicle, starts=at(day, 9), ends=at(day, 10))
    return list(Booking.objects.order_by("pk"))


class TestBookingPages(AddPageIsolation):
    model = Booking
    add_url, detail_url = "service:booking_add", "service:booking"

    @staticmethod
    def objects(customers):
        return booking_rows({"service_advisor": User.objects.get(username="u_service_advisor")}, customers)


class TestRoadsidePage(AddPageIsolation):
    model = Booking
    add_url = "service:roadside_add"

    @staticmethod
    def objects(customers):
        return []


class TestBookingList(ListPageIsolation):
    model, list_url = Booking, "service:bookings"

    @staticmethod
    def prepare(users, customers):
        booking_rows(users, customers)


class TestBookingApiIsolation(ApiIsolation):
    api = booking_api.BookingApi()

    @property
    def create_body(self):
        station = OrgUnit.objects.get(code="S-SH")
        return {"station_id": station.pk, "starts": at(working_day(station.pk), 14).isoformat(), "job": "quick",
                "vin": "LSVCC6A48PN000007"}

    @staticmethod
    def prepare(users, customers):
        booking_rows(users, customers)


class TestBayPages(AddPageIsolation):
    model = Bay
    add_url, edit_url = "service:bay_add", "service:bay_edit"

    @staticmethod
    def objects(customers):
        booking_rows({"service_advisor": User.objects.get(username="u_service_advisor")}, customers)
        return list(Bay.objects.order_by("pk"))


class TestBayList(ListPageIsolation):
    model, list_url = Bay, "service:bays"

    @staticmethod
    def prepare(users, customers):
        workshop(users)


class TestTechnicianPages(AddPageIsolation):
    model = Technician
    add_url, edit_url = "service:technician_add", "service:technician_edit"

    @staticmethod
    def objects(customers):
        workshop({"service_advisor": User.objects.get(username="u_service_advisor")})
        return list(Technician.objects.order_by("pk"))


class TestTechnicianList(ListPageIsolation):
    model, list_url = Technician, "service:technicians"

    @staticmethod
    def prepare(users, customers):
        workshop(users)


def _post(client, url, body, json=True):
    with transaction.atomic():
        response = client.post(url, body, content_type="application/json") if json else client.post(url, body)
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_booking_steps_slots_calendar_and_roadside_answer_what_the_scope_allows(client, users, customers, user_key):
    rows = booking_rows(users, customers)
    client.force_login(users[user_key])
    fresh = User.objects.get(pk=users[user_key].pk)
    before = list(Booking.objects.order_by("pk").values())
    for booking in rows:
        wanted = expected(fresh, Booking, booking, "change")
        answer = _post(client, f"/api/bookings/{booking.pk}/status", {"status": "arrived"})
        page = _post(client, reverse("service:booking_step", args=[booking.pk, "arrive"]), {}, json=False)
        assert answer.status_code == wanted and page.status_code in ({302} if wanted == 200 else {wanted}), booking
    station = OrgUnit.objects.get(code="S-SH")
    day = working_day(station.pk).isoformat()
    may_view = may(fresh, Booking.permission_key, "view")
    found = client.get("/api/service-slots", {"station_id": [station.pk, rows[1].station_id], "since": day,
                                               "until": day})
    assert found.status_code == (200 if may_view else 403)
    if may_view:  # only the bays of stations the user may see
        shown = {slot["station_id"] for slot in found.json()}
        assert shown == {unit for unit in (station.pk, rows[1].station_id)
                         if within_reach(fresh, Bay.permission_key, "view", unit)}
    for name in ("service:booking_slots", "service:day_calendar"):
        page = client.get(reverse(name), {"station": station.pk, "day": day, "since": day, "days": 1, "job": "quick"})
        assert page.status_code == (200 if may_view else 403), name
    roadside = _post(client, "/api/roadside-jobs", {"station_id": station.pk, "vin": "LSVCC6A48PN000007",
                                                    "location": "G2"})
    if not may(fresh, Booking.permission_key, "add"):
        assert roadside.status_code == 403
    elif not within_reach(fresh, Booking.permission_key, "add", station.pk):
        assert roadside.status_code == 422 and roadside.json()["detail"][0]["field"] == "station_id"
    else:  # in reach: dispatched, or refused because nobody is on duty at this hour
        assert roadside.status_code in (201, 422), roadside.content
    assert list(Booking.objects.order_by("pk").values()) == before


def test_a_station_sees_its_own_bookings_and_the_call_center_all(client, users, customers):
    booking_rows(users, customers)
    seen = {}
    for key in ("service_advisor", "dealer_manager", "dealer_sales", "agent"):
        client.force_login(users[key])
        answer = client.get("/api/bookings")
        seen[key] = {row["station_id"] for row in answer.json()["results"]} if answer.status_code == 200 else None
    sh, dealer = OrgUnit.objects.get(code="S-SH").pk, OrgUnit.objects.get(code="D-SH1").pk
    assert seen == {"service_advisor": {sh}, "dealer_manager": {dealer}, "dealer_sales": set(), "agent": {sh, dealer}}
