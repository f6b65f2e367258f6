"""The demo station's workshop, made through the same services as in the UI: stock of every part
in the catalog, maintenance packages for some of its customers' cars, a month of work orders
(most from the repair and maintenance tickets it was given, some walk-ins), finished and handed
back except the last few, which are still on the lifts; and the satisfaction follow-ups."""

import datetime as dt
import random

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from guanxi.core.models import User
from guanxi.core.roles import Role
from guanxi.service import surveys, workshop
from guanxi.service.models import (
    Part,
    ServiceContract,
    Stock,
    Survey,
    Ticket,
    TicketKind,
    TicketStatus,
    WorkOrder,
    WorkOrderStatus,
)

STILL_OPEN = 3
WALK_INS = 10
JOBS = {"repair": [("46-01-02", "更换前刹车片 Replace front brake pads", "1.2", "5Q0698151"),
                   ("27-01-05", "更换蓄电池 Replace battery", "0.5", "000915105"),
                   ("87-10-01", "空调系统检修 Air-conditioning check", "1.5", "5Q0819653")],
        "maintenance": [("01-00-10", "常规保养 Routine service", "1.0", "06L115562"),
                        ("01-00-20", "大保养 Major service", "2.0", "5Q0129620D")]}


def open_demo_work_orders(seed: int = 13) -> int:
    advisor = User.objects.filter(username=Role.SERVICE_ADVISOR).first()
    if advisor is None or WorkOrder.objects.exists():
        return 0
    rng = random.Random(seed)
    station_id = advisor.primary_unit_id
    Stock.objects.bulk_create([Stock(station_id=station_id, part=part, on_hand=rng.randint(60, 120),
                                     reorder_level=5) for part in Part.objects.filter(active=True)],
                              ignore_conflicts=True)
    from_tickets = list(Ticket.objects.filter(org_unit_id=station_id, vehicle__isnull=False,
                                              kind__in=(TicketKind.REPAIR, TicketKind.MAINTENANCE))
                        .order_by("created_at"))
    walk_ins = [ticket.vehicle for ticket in Ticket.objects.filter(org_unit_id=station_id, vehicle__isnull=False)
                .exclude(pk__in=[t.pk for t in from_tickets]).select_related("vehicle")[:WALK_INS]]
    _sell_packages(advisor, station_id, rng, [t.vehicle for t in from_tickets[::4]])
    made = 0
    visits = [(t, t.vehicle) for t in from_tickets] + [(None, vehicle) for vehicle in walk_ins]
    for index, (ticket, vehicle) in enumerate(visits):
        kind = "maintenance" if ticket is not None and ticket.kind == TicketKind.MAINTENANCE else "repair"
        with transaction.atomic():
            order = workshop.open_work_order(advisor, {
                "vin": vehicle.vin, "ticket_id": ticket.pk if ticket else None, "kind": kind,  # read off the car
                "mileage_km": _odometer(vehicle, rng),
                "complaint": ticket.subject if ticket else "到店检查"})
            code, description, hours, part_code = rng.choice(JOBS[kind])
            workshop.add_job(advisor, order.pk, {"labour_code": code, "description": description, "hours": hours})
            if Stock.objects.filter(station_id=station_id, part__code=part_code, on_hand__gt=F("reserved")).exists():
                workshop.add_part(advisor, order.pk, Part.objects.get(code=part_code).pk, 1)
            if index < len(visits) - STILL_OPEN:
                workshop.complete(advisor, order.pk, "已完成：" + description.split(" ")[0])
                workshop.close(advisor, order.pk)
                _move_back(order, ticket, rng)
        made += 1
    return made


def _odometer(vehicle, rng) -> int:
    """What the car reads now: more than at its last visit (another work order may have just raised it)."""
    from guanxi.customers.models import Vehicle

    return Vehicle.objects.values_list("mileage_km", flat=True).get(pk=vehicle.pk) + rng.randint(50, 3000)


def _sell_packages(advisor, station_id, rng, vehicles) -> None:
    today = timezone.localdate()
    for index, vehicle in enumerate(vehicles):
        owner = vehicle.ownerships.filter(end_date__isnull=True).first()
        if owner is None:
            continue
        ServiceContract.objects.get_or_create(number=f"MP-DEMO-{index + 1:03d}", defaults={
            "kind": "maintenance", "customer_id": owner.customer_id, "vehicle": vehicle, "sold_by_id": station_id,
            "starts": today - dt.timedelta(days=rng.randint(60, 400)), "ends": today + dt.timedelta(days=700),
            "visits": 4, "price": 3980, "created_by": advisor})


def _move_back(order: WorkOrder, ticket, rng) -> None:
    """Opened when its ticket was (a walk-in some days ago), finished a few hours later."""
    opened = ticket.created_at if ticket else timezone.now() - dt.timedelta(days=rng.uniform(1, 25))
    now = timezone.now()
    finished = min(opened + dt.timedelta(hours=rng.uniform(2, 30)), now)
    WorkOrder.objects.filter(pk=order.pk).update(created_at=opened, completed_at=finished,
                                                 closed_at=min(finished + dt.timedelta(hours=1), now))


def answer_demo_surveys(seed: int = 17) -> int:
    """The follow-ups of what was closed (as the worker would schedule them), most already asked by
    the call center: mostly satisfied customers, a few unhappy ones (each opens a recovery ticket)."""
    agent = User.objects.filter(username=Role.AGENT).first()
    if agent is None or Survey.objects.exists():
        return 0
    rng = random.Random(seed)
    for order in WorkOrder.objects.filter(status=WorkOrderStatus.CLOSED).select_related("customer"):
        surveys.schedule(order.customer, order.station_id, work_order=order)
    for ticket in Ticket.objects.filter(status=TicketStatus.CLOSED, work_orders__isnull=True).select_related(
            "customer"):
        surveys.schedule(ticket.customer, ticket.org_unit_id, ticket=ticket)
    answered = 0
    for survey in Survey.objects.order_by("pk"):
        if rng.random() < 0.3:
            continue  # still to be called
        csat = rng.choices([5, 4, 3, 2, 1], weights=[45, 30, 13, 8, 4])[0]
        nps = min(10, max(0, csat * 2 + rng.randint(-2, 1)))
        with transaction.atomic():
            surveys.record(agent, survey.pk, csat, nps, "" if csat > 2 else "等待时间太长，问题没有一次解决。")
        answered += 1
    return answered
