"""Service bookings: free slots on the station's grid minus what is booked, a booking refused beside
the field outside the hours, on a holiday, in the past or over another booking (nothing written),
one click from a free slot, a portal booking through the API, roadside jobs to the technician free
soonest, the day calendar, and two advisors taking the last slot at once (one wins)."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from guanxi.core.models import CalendarDay, OrgUnit, User
from guanxi.customers.models import Customer, Ownership, Vehicle
from guanxi.service import bookings, slots
from guanxi.service.models import Bay, Booking, BookingStatus, Technician

pytestmark = pytest.mark.django_db
ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _english():
    """The refusals are checked by their words: in English, whatever the default language."""
    with translation.override("en"):
        yield


def working_day(station_id: int, after_days: int = 2) -> dt.date:
    """A day the station works, a little ahead (the public calendar the migrations seed may close some)."""
    hours = bookings.hours_of([station_id])[station_id]
    day = timezone.localdate() + dt.timedelta(days=after_days)
    while not hours.works_on(day) or day.isoweekday() == 7:  # technicians' default shifts are Monday-Saturday
        day += dt.timedelta(days=1)
    return day


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ZONE)


def workshop(users) -> dict:
    """S-SH with a general bay, a quick-service bay and the advisor on the roster; D-SH1 with one bay."""
    sh, dealer = OrgUnit.objects.get(code="S-SH"), OrgUnit.objects.get(code="D-SH1")
    if not Bay.objects.exists():
        Bay.objects.bulk_create([Bay(station=sh, name="Lift 1"), Bay(station=sh, name="Quick 1", kind="quick"),
                                 Bay(station=dealer, name="Lift A")])
        Technician.objects.create(user=users["service_advisor"], station=sh, skills="engine")
    return {"station": sh, "dealer": dealer, "lift": Bay.objects.get(name="Lift 1"),
            "quick": Bay.objects.get(name="Quick 1"), "technician": Technician.objects.get()}


def _vin(customers, key="li") -> str:
    return customers[key].ownerships.get().vehicle.vin


def test_free_slots_are_on_the_grid_inside_the_hours_and_around_bookings():
    day = dt.date(2030, 3, 5)
    windows = [(at(day, 9), at(day, 12))]
    busy = slots.merged([(at(day, 10), at(day, 10, 45))])
    starts = slots.free_in_bay(windows, busy, dt.timedelta(minutes=60), dt.timedelta(minutes=30), at(day, 0))
    assert [start.astimezone(ZONE).strftime("%H:%M") for start in starts] == ["09:00", "11:00"]
    later = slots.free_in_bay(windows, [], dt.timedelta(minutes=60), dt.timedelta(minutes=30), at(day, 9, 40))
    assert [start.astimezone(ZONE).strftime("%H:%M") for start in later] == ["10:00", "10:30", "11:00"]
    tech = {1: (at(day, 18), [(at(day, 9), at(day, 11))]), 2: (at(day, 18), [(at(day, 9), at(day, 10))])}
    assert slots.soonest_free(tech, at(day, 9, 30), 90) == (2, at(day, 10))
    assert slots.soonest_free({1: (at(day, 10), [(at(day, 9), at(day, 11))])}, at(day, 9, 30), 90) is None


def test_a_booking_takes_its_slot_off_the_search_and_the_station_gets_sight_of_the_customer(users, customers):
    place = workshop(users)
    advisor, day = users["service_advisor"], working_day(place["station"].pk)
    search = bookings.Search([place["station"].pk], day, day, "repair")
    before = bookings.search(advisor, search)
    assert {slot.bay_id for slot in before} == {place["lift"].pk}  # a repair needs a general bay
    booking = bookings.book(advisor, {"vin": _vin(customers, "zhang"), "station_id": place["station"].pk,
                                      "starts": at(day, 10), "job": "repair"})
    assert (booking.bay, booking.ends - booking.starts, booking.status) == (
        place["lift"], dt.timedelta(hours=2), BookingStatus.BOOKED)
    after = {slot.starts for slot in bookings.search(advisor, search)}
    assert {slot.starts for slot in before} - after == {at(day, hour, minute) for hour, minute in (
        (8, 30), (9, 0), (9, 30), (10, 0), (10, 30), (11, 0), (11, 30))}
    assert customers["zhang"].relationships.filter(org_unit=place["station"], kind="service").exists()


def test_bad_bookings_are_refused_beside_the_field_and_write_nothing(users, customers, monkeypatch):
    place = workshop(users)
    advisor, day = users["service_advisor"], working_day(place["station"].pk)
    base = {"vin": _vin(customers), "station_id": place["station"].pk, "bay_id": place["lift"].pk, "job": "repair"}
    first = bookings.book(advisor, {**base, "starts": at(day, 10), "technician_id": place["technician"].pk})
    CalendarDay.objects.create(date=day + dt.timedelta(days=1), name="Test holiday")
    refused = [
        ({"starts": at(day, 7)}, "starts", "08:30–18:00"),
        ({"starts": at(day, 17)}, "starts", "08:30–18:00"),  # two hours from 17:00 runs past closing
        ({"starts": at(day + dt.timedelta(days=1), 10)}, "starts", "closed on"),
        ({"starts": timezone.now() - dt.timedelta(hours=2)}, "starts", "in the past"),
        ({"starts": at(day, 10), "ends": at(day, 9)}, "ends", "end after it starts"),
        ({"starts": at(day, 11)}, "bay_id", "Lift 1 is booked 10:00–12:00 already"),
        ({"starts": at(day, 11), "bay_id": place["quick"].pk, "technician_id": place["technician"].pk},
         "technician_id", "booked 10:00–12:00 already"),
        ({"starts": at(day, 13), "vin": "LSVXX000000000000"}, "vin", "No car with this VIN"),
        ({"starts": at(day, 13), "bay_id": Bay.objects.get(name="Lift A").pk}, "bay_id", "Choose a bay"),
        ({"starts": at(day, 13), "customer_id": customers["zhang"].pk}, "customer_id", "another customer"),
    ]
    for change, field, words in refused:
        with pytest.raises(ValidationError) as refusal:
            bookings.book(advisor, {**base, **change})
        assert words in " ".join(refusal.value.message_dict.get(field, [])), (change, refusal.value.message_dict)
    assert list(Booking.objects.values_list("pk", flat=True)) == [first.pk]
    with pytest.raises(ValidationError) as refusal:  # the quick bay is free, but it does not take repairs
        bookings.book(advisor, {**base, "bay_id": None, "starts": at(day, 11)})
    assert "No bay for this job is free" in refusal.value.message_dict["starts"][0]
    assert bookings.book(advisor, {**base, "bay_id": None, "job": "maintenance", "starts": at(day, 11)}).bay == \
        place["quick"]


def test_one_click_from_a_free_slot_books_it_and_the_day_calendar_shows_it(client, users, customers):
    place = workshop(users)
    day = working_day(place["station"].pk)
    client.force_login(users["agent"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(reverse("service:booking_slots"), {"station": place["station"].pk, "since": day.isoformat(),
                                                          "days": 1, "job": "maintenance", "vin": _vin(customers)})
    assert page.status_code == 200 and b"S-SH \xc2\xb7 Quick 1" in page.content
    answer = client.post(reverse("service:booking_add"), {"starts": f"{day.isoformat()}T09:00", "job": "maintenance",
                                                          "vin": _vin(customers), "source": "phone",
                                                          "bay": place["quick"].pk})
    booking = Booking.objects.get()
    assert answer.status_code == 302 and answer["Location"] == booking.get_absolute_url()
    assert (booking.station, booking.bay, booking.starts, booking.created_by) == (
        place["station"], place["quick"], at(day, 9), users["agent"])
    again = client.post(reverse("service:booking_add"), {"starts": f"{day.isoformat()}T09:30", "job": "maintenance",
                                                         "vin": _vin(customers), "source": "phone",
                                                         "bay": place["quick"].pk})
    assert again.status_code == 422 and "already" in again.content.decode() and Booking.objects.count() == 1
    calendar = client.get(reverse("service:day_calendar"), {"station": place["station"].pk, "day": day.isoformat()})
    body = calendar.content.decode()
    assert calendar.status_code == 200 and "李娜" in body and "cal-c-3 cal-r-3 cal-s-2" in body  # Quick 1, 09:00
    assert client.get(booking.get_absolute_url()).status_code == 200


def test_a_portal_books_a_known_customers_car_through_the_api(client, users, customers):
    place = workshop(users)
    day = working_day(place["station"].pk)
    client.force_login(users["agent"])
    found = client.get("/api/service-slots", {"station_id": place["station"].pk, "since": day.isoformat(),
                                               "until": day.isoformat(), "job": "quick"})
    # two bays, a start every 30 minutes from 08:30 to 17:30
    assert found.status_code == 200 and len(found.json()) == 2 * 19
    car = customers["li"].ownerships.get().vehicle
    body = {"station_id": place["station"].pk, "starts": at(day, 9).isoformat(), "job": "quick",
            "customer_id": customers["li"].pk, "vehicle_id": car.pk}
    made = client.post("/api/bookings", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["source"] == "web" and made.json()["bay_id"] == place["quick"].pk
    wrong = client.post("/api/bookings", {**body, "customer_id": customers["zhang"].pk},
                        content_type="application/json")
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "customer_id"
    late = client.post("/api/bookings", {**body, "starts": at(day, 19).isoformat()}, content_type="application/json")
    assert late.status_code == 422 and late.json()["detail"][0]["field"] == "starts"
    moved = client.post(f"/api/bookings/{made.json()['id']}/status", {"status": "cancelled", "reason": "ill"},
                        content_type="application/json")
    assert moved.status_code == 200 and moved.json()["status"] == "cancelled"
    assert Booking.objects.count() == 1


def test_roadside_jobs_go_to_the_technician_free_soonest_and_are_refused_when_nobody_is_on_duty(
        users, customers, monkeypatch):
    place = workshop(users)
    day = working_day(place["station"].pk)
    other = Technician.objects.create(user=users["dealer_manager"], station=place["station"])
    advisor = users["service_advisor"]
    bookings.book(advisor, {"vin": _vin(customers, "zhang"), "station_id": place["station"].pk, "starts": at(day, 9),
                            "job": "repair", "technician_id": place["technician"].pk})
    bookings.book(advisor, {"vin": _vin(customers), "station_id": place["station"].pk, "starts": at(day, 9),
                            "job": "maintenance", "technician_id": other.pk})
    monkeypatch.setattr(timezone, "now", lambda: at(day, 9, 15))
    job = bookings.dispatch_roadside(users["agent"], {"vin": _vin(customers), "station_id": place["station"].pk,
                                                      "location": "G2 km 1032"})
    assert (job.technician, job.starts, job.bay, job.source) == (other, at(day, 10), None, "roadside")
    monkeypatch.setattr(timezone, "now", lambda: at(day, 21))
    with pytest.raises(ValidationError) as refusal:
        bookings.dispatch_roadside(users["agent"], {"vin": _vin(customers), "station_id": place["station"].pk,
                                                    "location": "G2"})
    assert "No technician" in refusal.value.message_dict["station_id"][0]
    assert Booking.objects.filter(source="roadside").count() == 1


def test_a_booking_moves_on_only_along_its_way(client, users, customers, monkeypatch):
    place = workshop(users)
    day = working_day(place["station"].pk)
    advisor = users["service_advisor"]
    booking = bookings.book(advisor, {"vin": _vin(customers), "station_id": place["station"].pk,
                                      "starts": at(day, 9)})
    for status, field in (("done", "status"), ("no_show", "status"), ("cancelled", "reason")):
        with pytest.raises(ValidationError) as refusal:
            bookings.move(advisor, booking.pk, status)
        assert field in refusal.value.message_dict
    assert bookings.move(advisor, booking.pk, "arrived").status == "arrived"
    client.force_login(advisor)
    page = client.get(booking.get_absolute_url()).content.decode()
    assert f"/service/work-orders/add/?vin={_vin(customers)}&amp;kind=maintenance" in page  # the car is here
    assert bookings.move(advisor, booking.pk, "done").status == "done"
    free_again = bookings.search(advisor, bookings.Search([place["station"].pk], day, day, "quick"))
    assert at(day, 9) in {slot.starts for slot in free_again if slot.bay_id == booking.bay_id}


# The test database on SQLite is in memory with a shared cache, where concurrent writers get "table is
# locked" at once instead of waiting; the file database Guanxi runs on serialises them (IMMEDIATE).
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row contention needs PostgreSQL's test database")
@pytest.mark.django_db(transaction=True)
def test_two_advisors_booking_the_last_free_slot_at_once_one_wins_and_the_other_is_told(org):
    # a superuser and rows of its own: the seeded roles may be gone, flushed by an earlier test with committed rows
    advisor = User.objects.create_superuser("race-advisor", password="race-pass-123")
    station = org["S-SH"]
    lift = Bay.objects.create(station=station, name="Lift 1")  # the station's only bay
    cars = []
    for number, name in enumerate(("张伟", "李娜")):
        customer = Customer.objects.create(name=name, home_dealer=org["D-SH1"])
        car = Vehicle.objects.create(vin=f"LSVRACE000000000{number}", model="Passat", model_year=2024)
        Ownership.objects.create(customer=customer, vehicle=car, start_date=dt.date(2024, 1, 1))
        cars.append(car.vin)
    day = working_day(station.pk)
    outcomes, lock = [], threading.Lock()
    start = threading.Barrier(4)

    def book(vin, bay_id):
        try:
            start.wait()
            bookings.book(advisor, {"vin": vin, "station_id": station.pk, "bay_id": bay_id, "starts": at(day, 10),
                                    "job": "repair"})
            result = "booked"
        except ValidationError as refusal:  # worded in the threads' (default) language: its fields tell
            result = "refused on " + ",".join(sorted(refusal.message_dict))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            result = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=book, args=(vin, lift.pk if index % 2 else None))
               for index, vin in enumerate(cars * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("booked") == 1, outcomes
    # a loser that named the bay is told it is booked; one that left the bay to the station, that none is free
    assert all(outcome in ("refused on bay_id", "refused on starts") for outcome in outcomes if outcome != "booked"), \
        outcomes
    assert Booking.objects.filter(bay=lift, status="booked").count() == 1
