"""The demo station's booking board: four bays, three technicians on shifts, and a week of bookings
from today (about 60 % of the bay time), made through the same service as the UI; the hours of
today already gone are filled in as cars that came (or did not)."""

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from guanxi.core.models import User
from guanxi.core.roles import Role
from guanxi.customers.models import Vehicle
from guanxi.service import bookings, slots
from guanxi.service.models import Bay, Booking, BookingStatus, Technician

BAYS = [("1号工位 Lift 1", "general"), ("2号工位 Lift 2", "general"), ("快修工位 Quick", "quick"),
        ("钣喷工位 Body", "body")]
TECHNICIANS = [("tech_wang", "王师傅", "发动机 engine, 电气 electrics", dt.time(8, 30), dt.time(17, 30)),
               ("tech_zhao", "赵师傅", "底盘 chassis, 保养 maintenance", dt.time(9), dt.time(18)),
               ("tech_sun", "孙师傅", "钣金喷漆 body and paint", dt.time(8, 30), dt.time(17, 30))]
JOBS = ["maintenance", "maintenance", "quick", "repair", "repair", "body"]
DAYS = 7
FULL = 0.6
CARS = 200


def seed_demo_bookings(seed: int = 19) -> int:
    advisor = User.objects.filter(username=Role.SERVICE_ADVISOR).first()
    if advisor is None or Bay.objects.filter(station_id=advisor.primary_unit_id).exists():
        return 0
    rng, station_id = random.Random(seed), advisor.primary_unit_id
    Bay.objects.bulk_create([Bay(station_id=station_id, name=name, kind=kind) for name, kind in BAYS])
    for username, name, skills, starts, ends in TECHNICIANS:
        user, _made = User.objects.get_or_create(username=username, defaults={
            "first_name": name, "password": make_password(None)})
        Technician.objects.get_or_create(user=user, station_id=station_id, defaults={
            "skills": skills, "shift_starts": starts, "shift_ends": ends})
    owned = Vehicle.objects.filter(ownerships__end_date__isnull=True).order_by("pk")
    cars = list(owned.filter(service_unit_id=station_id).values_list("vin", flat=True)[:CARS])
    cars += list(owned.exclude(vin__in=cars).values_list("vin", flat=True)[:CARS - len(cars)])  # new customers too
    if not cars:
        return 0
    made = _fill_the_week(advisor, station_id, cars, rng)
    _past_hours_of_today(station_id, cars, rng)
    try:  # a car broken down now, if a technician is on shift at this hour
        with transaction.atomic():
            bookings.dispatch_roadside(advisor, {"vin": rng.choice(cars), "station_id": station_id,
                                                 "location": "G1501 绕城高速 外圈 35 km",
                                                 "note": "发动机故障灯亮，无法启动"})
    except ValidationError:
        pass
    return made


def _fill_the_week(advisor, station_id, cars, rng) -> int:
    """Books random free slots until about FULL of each day's bay time is taken."""
    today, made = timezone.localdate(), 0
    hours = bookings.hours_of([station_id])[station_id]
    technicians = list(Technician.objects.filter(station_id=station_id).values_list("pk", flat=True))
    bay_count = Bay.objects.filter(station_id=station_id).count()
    for offset in range(DAYS):
        day = today + dt.timedelta(days=offset)
        window = slots.day_windows(hours, day, day)
        if not window:
            continue
        goal = FULL * bay_count * (window[0][1] - window[0][0]).total_seconds() / 60
        taken = 0
        for _attempt in range(60):
            if taken >= goal:
                break
            job = rng.choice(JOBS)
            found = bookings.search(advisor, bookings.Search([station_id], day, day, job))
            if not found:
                continue
            slot = rng.choice(found)
            data = {"vin": rng.choice(cars), "station_id": station_id, "bay_id": slot.bay_id, "starts": slot.starts,
                    "job": job, "source": rng.choice(["phone", "phone", "web", "walk_in"]),
                    "technician_id": rng.choice(technicians) if rng.random() < 0.5 else None}
            try:
                with transaction.atomic():
                    booking = bookings.book(advisor, data)
            except Exception:  # noqa: BLE001 - a technician off shift or busy then: book without one
                with transaction.atomic():
                    booking = bookings.book(advisor, {**data, "technician_id": None})
            taken += (booking.ends - booking.starts).total_seconds() / 60
            made += 1
    return made


def _past_hours_of_today(station_id, cars, rng) -> None:
    """Today's hours already gone, written directly (the service refuses the past): most cars came
    (done, or still in the bay), one in seven did not."""
    now = timezone.now()
    today = timezone.localdate()
    window = slots.day_windows(bookings.hours_of([station_id])[station_id], today, today)
    if not window:
        return
    owners = dict(Vehicle.objects.filter(vin__in=cars, ownerships__end_date__isnull=True)
                  .values_list("vin", "ownerships__customer_id"))
    vehicles = dict(Vehicle.objects.filter(vin__in=cars).values_list("vin", "pk"))
    rows = []
    for bay in Bay.objects.filter(station_id=station_id).exclude(kind="body"):
        moment = window[0][0]
        while moment + dt.timedelta(hours=1) <= min(now, window[0][1]):
            if rng.random() < FULL:
                vin = rng.choice(cars)
                ends = moment + dt.timedelta(hours=1)
                status = BookingStatus.NO_SHOW if rng.random() < 1 / 7 else BookingStatus.DONE
                rows.append(Booking(station_id=station_id, bay=bay, customer_id=owners[vin], vehicle_id=vehicles[vin],
                                    job="maintenance", starts=moment, ends=ends, status=status, source="phone"))
            moment += dt.timedelta(hours=1)
    Booking.objects.bulk_create(rows)
