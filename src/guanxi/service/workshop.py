"""What a station does with a work order: open it for a car (from a ticket or at the desk), with
the payer decided and explained; add jobs and parts (reserved from the station's stock); start,
complete (parts used, totals, a maintenance package's visit counted), close (the customer has the
car back; a ticket it came from is resolved), or cancel (reserved parts go back on the shelf).
"""

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.models import OrgUnit
from guanxi.core.outbox import emit
from guanxi.core.scoping import get_restricted, require, within_reach
from guanxi.customers import relationships
from guanxi.customers.models import RelationshipKind, Vehicle
from guanxi.customers.services import refuse_if_erased
from guanxi.service import coverage, stock, tickets
from guanxi.service.models import (
    OPEN_STATUSES,
    OPEN_WORK,
    Billing,
    Job,
    Part,
    PartLine,
    PartLineState,
    ServiceContract,
    Ticket,
    WorkKind,
    WorkOrder,
    WorkOrderStatus,
)


def _locked(user, pk, action: str = "change") -> WorkOrder:
    order = get_restricted(user, WorkOrder, pk, action)
    return WorkOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)


def _refuse_unless_open(order) -> None:
    if order.status not in OPEN_WORK:
        raise ValidationError({"status": _("This work order is finished.")})


def _vehicle(user, data, ticket) -> Vehicle:
    """The car by its VIN, or a car the user may see already (by id, or the ticket's). A station may
    work on any car brought to it: the VIN read off the car is the proof it is there, and working on
    it gives the station sight of the owner; an id alone proves nothing, so it must be in scope."""
    vin = (data.get("vin") or "").strip().upper()
    if vin:
        found = Vehicle.objects.filter(vin=vin).first()
    elif data.get("vehicle_id"):
        found = Vehicle.objects.restrict(user).filter(pk=data["vehicle_id"]).first()
    else:
        found = ticket.vehicle if ticket is not None else None
    if found is None:
        raise ValidationError({"vin" if vin else "vehicle_id": _("No car with this VIN is registered: register it "
                                                                 "on the customer's page first.")})
    return found


def _station(user, station_id) -> OrgUnit:
    station_id = station_id or user.primary_unit_id
    station = OrgUnit.objects.filter(pk=station_id).first()
    if station is None or not within_reach(user, WorkOrder.permission_key, "add", station.pk):
        raise ValidationError({"station_id": _("Choose a station where you open work orders.")})
    return station


def terms_of(vehicle) -> list[coverage.Terms]:
    return [coverage.Terms(id=c.pk, kind=c.kind, number=c.number, starts=c.starts, ends=c.ends, max_km=c.max_km,
                           visits_left=None if c.visits is None else c.visits - c.visits_used)
            for c in ServiceContract.objects.filter(vehicle=vehicle)]


def open_work_order(user, data: dict) -> WorkOrder:
    require(user, WorkOrder.permission_key, "add")
    ticket = get_restricted(user, Ticket.objects.select_related("vehicle"), data["ticket_id"]) \
        if data.get("ticket_id") else None
    with transaction.atomic():
        vehicle = _vehicle(user, data, ticket)
        owner = vehicle.ownerships.filter(end_date__isnull=True).select_related("customer").first()
        if owner is None:
            raise ValidationError({"vin": _("This car has no current owner on record.")})
        if ticket is not None and ticket.customer_id != owner.customer_id:
            raise ValidationError({"ticket_id": _("The ticket is about another customer's car.")})
        refuse_if_erased(owner.customer)
        mileage = data.get("mileage_km")
        if mileage is None or mileage < vehicle.mileage_km:
            raise ValidationError({"mileage_km": _("Read the odometer: at least %(km)s km were recorded before.")
                                   % {"km": vehicle.mileage_km}})
        station = _station(user, data.get("station_id"))
        kind = data.get("kind") or WorkKind.REPAIR
        today = timezone.localdate(timezone=zoneinfo.ZoneInfo(settings.TIME_ZONE))  # the network's day
        decision = coverage.decide(kind, today, mileage, vehicle.warranty_end, terms_of(vehicle))
        order = WorkOrder(station=station, customer=owner.customer, vehicle=vehicle, ticket=ticket, kind=kind,
                          mileage_km=mileage, complaint=(data.get("complaint") or "").strip(),
                          billing=decision.billing, contract_id=decision.contract_id,
                          coverage=[list(reason) for reason in decision.reasons], created_by=user)
        order.full_clean(exclude=["station", "customer", "vehicle", "ticket", "contract", "technician", "created_by"])
        order.save()
        relationships.relate(owner.customer, station.pk, RelationshipKind.SERVICE, "work order", actor=user)
        emit("service.workorder.opened", order, {"station_id": station.pk, "billing": order.billing})
    return order


def add_job(user, pk, data: dict) -> WorkOrder:
    with transaction.atomic():
        order = _locked(user, pk)
        _refuse_unless_open(order)
        job = Job(work_order=order, labour_code=(data.get("labour_code") or "").strip(),
                  description=(data.get("description") or "").strip(), hours=data.get("hours"),
                  rate=data.get("rate") if data.get("rate") is not None else settings.GUANXI_LABOUR_RATE)
        job.full_clean(exclude=["work_order"])
        job.save()
        return _totalled(order)


def add_part(user, pk, part_id, quantity: int) -> WorkOrder:
    """Reserves the part at the station (refused beside the field when too few are free)."""
    with transaction.atomic():
        order = _locked(user, pk)
        _refuse_unless_open(order)
        part = Part.objects.filter(pk=part_id, active=True).first()
        if part is None:
            raise ValidationError({"part_id": _("Choose a part in use.")})
        line = PartLine(work_order=order, part=part, quantity=quantity, unit_price=part.price)
        line.full_clean(exclude=["work_order"])
        stock.reserve(order.station_id, part.pk, quantity)
        line.save()
        return _totalled(order)


def remove_part(user, pk, line_id) -> WorkOrder:
    with transaction.atomic():
        order = _locked(user, pk)
        _refuse_unless_open(order)
        line = PartLine.objects.filter(pk=line_id, work_order=order, state=PartLineState.RESERVED).first()
        if line is None:
            raise ValidationError({"line_id": _("No such part line on this work order.")})
        stock.release(order.station_id, line.part_id, line.quantity)
        line.state = PartLineState.RELEASED
        line.save(update_fields=["state"])
        return _totalled(order)


def _totalled(order: WorkOrder) -> WorkOrder:
    order.labour_total = sum((job.amount for job in order.jobs.all()), Decimal(0))
    order.parts_total = sum((line.amount for line in order.part_lines.exclude(state=PartLineState.RELEASED)),
                            Decimal(0))
    order.customer_pays = Decimal("0.00") if order.billing in (Billing.WARRANTY, Billing.CONTRACT) else order.total
    order.save()
    return order


def start(user, pk, technician=None) -> WorkOrder:
    with transaction.atomic():
        order = _locked(user, pk)
        if order.status != WorkOrderStatus.OPEN:
            raise ValidationError({"status": _("Only an open work order is started.")})
        order.technician = technician or user
        order.status = WorkOrderStatus.IN_PROGRESS
        order.save()
    return order


def complete(user, pk, diagnosis: str) -> WorkOrder:
    """The work is done: the diagnosis written, the reserved parts used, the totals fixed, a
    maintenance package's visit counted."""
    if not (diagnosis or "").strip():
        raise ValidationError({"diagnosis": _("Write what was found and done.")})
    with transaction.atomic():
        order = _locked(user, pk)
        _refuse_unless_open(order)
        if not order.jobs.exists():
            raise ValidationError({"jobs": _("Add the labour done before completing.")})
        for line in order.part_lines.filter(state=PartLineState.RESERVED):
            stock.consume(order.station_id, line.part_id, line.quantity, order, user)
            line.state = PartLineState.CONSUMED
            line.save(update_fields=["state"])
        if order.contract_id and order.kind == WorkKind.MAINTENANCE and not ServiceContract.objects.filter(
                pk=order.contract_id, visits__gt=F("visits_used")).update(visits_used=F("visits_used") + 1):
            raise ValidationError({"contract": _("The maintenance package has no visits left.")})
        order.diagnosis, order.status, order.completed_at = diagnosis.strip(), WorkOrderStatus.COMPLETED, timezone.now()
        order.technician = order.technician or user
        _totalled(order)
        _record_on_the_car(order)
        emit("service.workorder.completed", order, {"station_id": order.station_id, "billing": order.billing})
    return order


def _record_on_the_car(order: WorkOrder) -> None:
    """The odometer reading (and the station, for a car that had none) go onto the car once the work
    is done, through its audited save: a reading typed wrong on a work order cancelled is not kept."""
    vehicle = Vehicle.objects.select_for_update().get(pk=order.vehicle_id)
    changed = []
    if order.mileage_km > vehicle.mileage_km:
        vehicle.mileage_km = order.mileage_km
        changed.append("mileage_km")
    if vehicle.service_unit_id is None:
        vehicle.service_unit_id = order.station_id
        changed.append("service_unit")
    if changed:
        vehicle.save(update_fields=changed)


def close(user, pk) -> WorkOrder:
    """The customer has the car back (and has paid): the ticket it came from is resolved."""
    with transaction.atomic():
        order = _locked(user, pk)
        if order.status != WorkOrderStatus.COMPLETED:
            raise ValidationError({"status": _("Only a completed work order is closed.")})
        order.status, order.closed_at = WorkOrderStatus.CLOSED, timezone.now()
        order.save()
        ticket = Ticket.objects.select_for_update(of=("self",)).filter(pk=order.ticket_id,
                                                                          status__in=OPEN_STATUSES).first()
        if ticket is not None:  # wherever the ticket is by now: the work on the car answered it
            tickets.resolve_now(ticket, user, _("Work order %(order)s done: %(diagnosis)s") % {
                "order": order, "diagnosis": order.diagnosis})
        emit("service.workorder.closed", order, {"station_id": order.station_id, "customer_id": order.customer_id})
    return order


def cancel(user, pk, reason: str) -> WorkOrder:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why it is cancelled.")})
    with transaction.atomic():
        order = _locked(user, pk)
        _refuse_unless_open(order)
        for line in order.part_lines.filter(state=PartLineState.RESERVED):
            stock.release(order.station_id, line.part_id, line.quantity)
            line.state = PartLineState.RELEASED
            line.save(update_fields=["state"])
        order.status, order.cancel_reason = WorkOrderStatus.CANCELLED, reason.strip()[:200]
        _totalled(order)
    return order
