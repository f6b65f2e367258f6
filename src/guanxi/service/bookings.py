"""What a station, the call center and a customer portal do with bookings: find free slots, book a
car into a bay (refused beside the field outside the station's hours, on a holiday, in the past or
over another booking), dispatch a roadside job to the technician free soonest, and move a booking
on (arrived, done, no-show, cancelled).

Two advisors taking the last free slot at once: the bay's row is locked (SELECT … FOR UPDATE)
before the overlap is checked, so the second waits for the first to commit, then sees its booking
and is told the bay is taken. SQLite serialises writers, which gives the same outcome.
"""

import dataclasses
import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from guanxi.core.calendar import observing_public_calendar
from guanxi.core.models import OrgUnit
from guanxi.core.outbox import emit
from guanxi.core.scoping import get_restricted, require, within_reach
from guanxi.core.working_hours import Hours
from guanxi.customers import relationships
from guanxi.customers.models import RelationshipKind, Vehicle
from guanxi.customers.services import refuse_if_erased
from guanxi.service import slots
from guanxi.service.models import (
    BAYS_FOR_JOB,
    HOLDING,
    JOB_MINUTES,
    Bay,
    Booking,
    BookingSource,
    BookingStatus,
    JobKind,
    SupportHours,
    Technician,
)
from guanxi.service.sla import DEFAULT_HOURS

GRACE = dt.timedelta(minutes=5)  # a walk-in booked "now" is not in the past
MAX_DAYS = 62  # a search covers two months at most: work per request is bounded
# Where a booking may go next, and the permission that takes it there.
NEXT = {BookingStatus.BOOKED: (BookingStatus.ARRIVED, BookingStatus.NO_SHOW, BookingStatus.CANCELLED),
        BookingStatus.ARRIVED: (BookingStatus.DONE, BookingStatus.CANCELLED)}


def hours_of(station_ids) -> dict[int, Hours]:
    """Each station's opening hours with the public calendar, in one query (service.sla.hours_for
    reads one unit at a time; the search reads up to dozens)."""
    rows = {row.org_unit_id: row for row in SupportHours.objects.filter(org_unit_id__in=station_ids)}
    found = {}
    for station_id in station_ids:
        row = rows.get(station_id)
        hours = row.hours() if row else DEFAULT_HOURS
        found[station_id] = observing_public_calendar(hours) if row is None or row.observes_public_holidays else hours
    return found


def shift_of(technician: Technician, station_hours: Hours) -> Hours:
    """The technician's shift, closed on the days the station is closed for the public calendar."""
    return dataclasses.replace(station_hours, opens=technician.shift_starts, closes=technician.shift_ends,
                               days=technician.days())


def _within(hours: Hours, starts: dt.datetime, ends: dt.datetime) -> bool:
    zone = zoneinfo.ZoneInfo(hours.zone)
    day = starts.astimezone(zone).date()
    return hours.works_on(day) and dt.datetime.combine(day, hours.opens, zone) <= starts and \
        ends <= dt.datetime.combine(day, hours.closes, zone)


def _hours_error(hours: Hours, starts: dt.datetime) -> str:
    day = starts.astimezone(zoneinfo.ZoneInfo(hours.zone)).date()
    if not hours.works_on(day):
        return _("The station is closed on %(day)s (day off or public holiday).") % {"day": day.isoformat()}
    return _("The station works %(opens)s–%(closes)s: the job must start and end within those hours.") % {
        "opens": time_format(hours.opens, "H:i"), "closes": time_format(hours.closes, "H:i")}


def _station(user, station_id, action: str = "add") -> OrgUnit:
    station = OrgUnit.objects.filter(pk=station_id or user.primary_unit_id, has_service=True).first()
    if station is None or not within_reach(user, Booking.permission_key, action, station.pk):
        raise ValidationError({"station_id": _("Choose a station with a workshop where you book.")})
    return station


def _car(user, data) -> tuple[Vehicle, object]:
    """The car by VIN (any car: the caller reads it off the car or its papers) or by id (one the
    user may see), and its current owner; `customer_id`, when sent, must be that owner."""
    vin = (data.get("vin") or "").strip().upper()
    if vin:
        vehicle = Vehicle.objects.filter(vin=vin).first()
    elif data.get("vehicle_id"):
        vehicle = Vehicle.objects.restrict(user, "view").filter(pk=data["vehicle_id"]).first()
    else:
        vehicle = None
    if vehicle is None:
        raise ValidationError({"vin" if vin or not data.get("vehicle_id") else "vehicle_id": _(
            "No car with this VIN is registered: register it on the customer's page first.")})
    owner = vehicle.ownerships.filter(end_date__isnull=True).select_related("customer").first()
    if owner is None:
        raise ValidationError({"vin": _("This car has no current owner on record.")})
    if data.get("customer_id") and data["customer_id"] != owner.customer_id:
        raise ValidationError({"customer_id": _("This car belongs to another customer.")})
    refuse_if_erased(owner.customer)
    return vehicle, owner.customer


def _clashes(rows, starts, ends):
    return rows.filter(status__in=HOLDING, starts__lt=ends, ends__gt=starts)


def _taken(field: str, name, clash: Booking) -> ValidationError:
    return ValidationError({field: _("%(name)s is booked %(from)s–%(to)s already: choose another slot.") % {
        "name": name, "from": time_format(timezone.localtime(clash.starts), "H:i"),
        "to": time_format(timezone.localtime(clash.ends), "H:i")}})


def _lock_bay(station: OrgUnit, job: str, bay_id, starts, ends) -> Bay:
    """The bay asked for, else the first of the kinds the job fits that is free; locked (FOR UPDATE)
    so that a second booking of it waits here until this transaction ends, then sees this one."""
    bays = Bay.objects.select_for_update().filter(station=station, active=True).order_by("pk")
    if bay_id:
        bay = bays.filter(pk=bay_id).first()
        if bay is None:
            raise ValidationError({"bay_id": _("Choose a bay in use at this station.")})
        clash = _clashes(bay.bookings.all(), starts, ends).order_by("starts").first()
        if clash is not None:
            raise _taken("bay_id", bay, clash)
        return bay
    kinds = BAYS_FOR_JOB[job]
    for bay in sorted(bays.filter(kind__in=kinds), key=lambda bay: kinds.index(bay.kind)):
        if not _clashes(bay.bookings.all(), starts, ends).exists():
            return bay
    raise ValidationError({"starts": _("No bay for this job is free then: choose another slot.")})


def _check_technician(station, technician_id, hours: Hours, starts, ends) -> Technician | None:
    if not technician_id:
        return None
    technician = Technician.objects.select_for_update().filter(pk=technician_id, station=station, active=True) \
        .select_related("user").first()
    if technician is None:
        raise ValidationError({"technician_id": _("Choose a technician on this station's roster.")})
    if not _within(shift_of(technician, hours), starts, ends):
        raise ValidationError({"technician_id": _("%(name)s is not on shift then.") % {"name": technician}})
    clash = _clashes(technician.bookings.all(), starts, ends).order_by("starts").first()
    if clash is not None:
        raise _taken("technician_id", technician, clash)
    return technician


def _times(data) -> tuple[dt.datetime, dt.datetime, str]:
    starts, job = data.get("starts"), data.get("job") or JobKind.MAINTENANCE
    if job not in JobKind.values or job == JobKind.ROADSIDE:
        raise ValidationError({"job": _("Choose the kind of job (roadside jobs are dispatched, not booked).")})
    if starts is None:
        raise ValidationError({"starts": _("Say when the car comes.")})
    if timezone.is_naive(starts):
        starts = timezone.make_aware(starts)
    minutes = data.get("minutes") or JOB_MINUTES[job]
    if not 15 <= minutes <= 600:
        raise ValidationError({"minutes": _("A job takes 15 to 600 minutes.")})
    ends = data.get("ends") or starts + dt.timedelta(minutes=minutes)
    if timezone.is_naive(ends):
        ends = timezone.make_aware(ends)
    if ends <= starts:
        raise ValidationError({"ends": _("The job must end after it starts.")})
    if ends - starts > dt.timedelta(hours=12):
        raise ValidationError({"ends": _("A booking lasts at most one working day.")})
    if starts < timezone.now() - GRACE:
        raise ValidationError({"starts": _("This time is in the past.")})
    return starts, ends, job


def book(user, data: dict) -> Booking:
    """Books a car into a bay (the one asked for, else the first free one that fits the job), with a
    technician if one is named. Refused beside the field, nothing written, when any rule fails."""
    require(user, Booking.permission_key, "add")
    station = _station(user, data.get("station_id"))
    starts, ends, job = _times(data)
    source = data.get("source") or BookingSource.PHONE
    if source not in BookingSource.values or source == BookingSource.ROADSIDE:
        raise ValidationError({"source": _("Roadside jobs are dispatched from the roadside page.")})
    hours = hours_of([station.pk])[station.pk]
    if not _within(hours, starts, ends):
        raise ValidationError({"starts": _hours_error(hours, starts)})
    with transaction.atomic():
        vehicle, customer = _car(user, data)
        bay = _lock_bay(station, job, data.get("bay_id"), starts, ends)
        technician = _check_technician(station, data.get("technician_id"), hours, starts, ends)
        booking = Booking(station=station, bay=bay, technician=technician, customer=customer, vehicle=vehicle, job=job,
                          starts=starts, ends=ends, source=source, note=(data.get("note") or "").strip(),
                          created_by=user)
        booking.full_clean(exclude=["station", "bay", "technician", "customer", "vehicle", "created_by"])
        booking.save()
        relationships.relate(customer, station.pk, RelationshipKind.SERVICE, "booking", actor=user)
        emit("service.booking.booked", booking, {"station_id": station.pk, "starts": starts.isoformat(),
                                                 "source": source})
    return booking


def dispatch_roadside(user, data: dict) -> Booking:
    """A car broken down on the road: the job goes now to the station's technician on duty who is
    free soonest (after the job in hand, if all are busy); refused when nobody is on duty."""
    require(user, Booking.permission_key, "add")
    station = _station(user, data.get("station_id"))
    now, minutes = timezone.now(), JOB_MINUTES[JobKind.ROADSIDE]
    hours = hours_of([station.pk])[station.pk]
    with transaction.atomic():
        vehicle, customer = _car(user, data)
        roster = list(Technician.objects.select_for_update().filter(station=station, active=True).order_by("pk"))
        on_duty = {}
        for technician in roster:
            shift = shift_of(technician, hours)
            zone = zoneinfo.ZoneInfo(shift.zone)
            day = now.astimezone(zone).date()
            shift_ends = dt.datetime.combine(day, shift.closes, zone)
            if shift.works_on(day) and dt.datetime.combine(day, shift.opens, zone) <= now < shift_ends:
                on_duty[technician.pk] = (shift_ends, [])
        if not on_duty:
            raise ValidationError({"station_id": _("No technician of this station is on duty now.")})
        for technician_id, starts, ends in _clashes(Booking.objects.filter(technician_id__in=on_duty), now,
                                                    max(end for end, _busy in on_duty.values())) \
                .values_list("technician_id", "starts", "ends"):
            on_duty[technician_id][1].append((starts, ends))
        chosen = slots.soonest_free(on_duty, now, minutes)
        if chosen is None:
            raise ValidationError({"station_id": _("Every technician on duty is booked until the end of the shift.")})
        technician_id, starts = chosen
        booking = Booking(station=station, technician_id=technician_id, customer=customer, vehicle=vehicle,
                          job=JobKind.ROADSIDE, starts=starts, ends=starts + dt.timedelta(minutes=minutes),
                          source=BookingSource.ROADSIDE, location=(data.get("location") or "").strip(),
                          note=(data.get("note") or "").strip(), created_by=user)
        booking.full_clean(exclude=["station", "bay", "technician", "customer", "vehicle", "created_by"])
        booking.save()
        relationships.relate(customer, station.pk, RelationshipKind.SERVICE, "roadside", actor=user)
        emit("service.booking.dispatched", booking, {"station_id": station.pk, "technician_id": technician_id})
    return booking


def move(user, pk, status: str, reason: str = "") -> Booking:
    """Arrived, done, no-show or cancelled, from the states that lead there (NEXT)."""
    with transaction.atomic():
        booking = get_restricted(user, Booking, pk, "change")
        booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
        if status not in NEXT.get(booking.status, ()):
            raise ValidationError({"status": _("A booking that is %(now)s cannot become %(next)s.") % {
                "now": booking.get_status_display(), "next": BookingStatus(status).label
                if status in BookingStatus.values else status}})
        if status == BookingStatus.NO_SHOW and timezone.now() < booking.starts:
            raise ValidationError({"status": _("The car is not late yet.")})
        if status == BookingStatus.CANCELLED:
            if not (reason or "").strip():
                raise ValidationError({"reason": _("Say why it is cancelled.")})
            booking.note = f"{booking.note}\n{_('Cancelled')}: {reason.strip()}".strip()[:500]
        booking.status = status
        booking.save()
        emit(f"service.booking.{status}", booking, {"station_id": booking.station_id})
    return booking


@dataclasses.dataclass(frozen=True)
class Search:
    station_ids: list[int]
    since: dt.date
    until: dt.date
    job: str = JobKind.MAINTENANCE
    minutes: int | None = None


def search(user, asked: Search) -> list[slots.Slot]:
    """Free slots of the stations' bays the user may see, from `since` to `until` (local days): the
    bays in one query, the bookings of the range in one, the rest in plain Python (service.slots)."""
    require(user, Booking.permission_key, "view")
    if asked.until < asked.since:
        raise ValidationError({"until": _("The end of the range is before its start.")})
    if (asked.until - asked.since).days >= MAX_DAYS:
        raise ValidationError({"until": _("Search at most %(days)d days at a time.") % {"days": MAX_DAYS}})
    if asked.job not in BAYS_FOR_JOB or asked.job == JobKind.ROADSIDE:
        raise ValidationError({"job": _("Choose the kind of job (roadside jobs are dispatched, not booked).")})
    minutes = asked.minutes or JOB_MINUTES[asked.job]
    if not 15 <= minutes <= 600:
        raise ValidationError({"minutes": _("A job takes 15 to 600 minutes.")})
    bays = list(Bay.objects.restrict(user, "view").filter(station_id__in=asked.station_ids, active=True,
                                                          kind__in=BAYS_FOR_JOB[asked.job])
                .order_by("pk").values_list("pk", "station_id"))
    hours = hours_of(sorted({station_id for _bay, station_id in bays}))
    windows = {station_id: slots.day_windows(h, asked.since, asked.until) for station_id, h in hours.items()}
    first = min((w[0][0] for w in windows.values() if w), default=None)
    last = max((w[-1][1] for w in windows.values() if w), default=None)
    busy: dict[int, list] = {}
    if first is not None:
        for bay_id, starts, ends in _clashes(Booking.objects.filter(bay_id__in=[pk for pk, _s in bays]), first, last) \
                .values_list("bay_id", "starts", "ends"):
            busy.setdefault(bay_id, []).append((starts, ends))
    return slots.free_slots(bays, windows, busy, minutes, timezone.now())


def nearby(station: OrgUnit) -> list[int]:
    """The stations with a workshop in the same city (the customer's choice of "the nearest")."""
    same_city = Q(city=station.city) if station.city else Q(pk=station.pk)
    return list(OrgUnit.objects.filter(same_city, has_service=True).values_list("pk", flat=True))
