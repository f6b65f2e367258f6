"""Tickets for the demo, made through the same services as in the UI: a month of service requests
at the demo service station and the demo dealer (repairs and maintenance bookings the call center
took in, complaints, consultations), most answered and resolved, some late (so the service-level
report has misses to show), a few reopened; the last two days' still open for the advisor to work.
Worked tickets are then moved back in time as a block, keeping their clocks' proportions.
"""

import datetime as dt
import random

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from guanxi.core.models import OrgUnit, User
from guanxi.core.roles import Role
from guanxi.customers.models import Customer, CustomerRelationship, RelationshipKind
from guanxi.service import tickets
from guanxi.service.models import EntryKind, Priority, Ticket, TicketEntry, TicketKind, TicketStatus

TICKETS = 120
DAYS_BACK = 30
STILL_OPEN = 10
PRIORITIES = {Priority.LOW: 1, Priority.NORMAL: 6, Priority.HIGH: 2, Priority.URGENT: 1}
KINDS = {TicketKind.REPAIR: 4, TicketKind.MAINTENANCE: 4, TicketKind.COMPLAINT: 2, TicketKind.CONSULTATION: 3,
         TicketKind.ROADSIDE: 1, TicketKind.SUGGESTION: 1}
SUBJECTS = {
    TicketKind.REPAIR: ["发动机故障灯亮", "空调不制冷", "刹车异响", "车窗升降失灵", "倒车影像黑屏"],
    TicketKind.MAINTENANCE: ["预约 1 万公里保养", "预约 2 万公里保养", "预约更换轮胎", "预约年度检查"],
    TicketKind.COMPLAINT: ["保养等待时间过长", "交车时车辆不干净", "维修费用与报价不符", "服务顾问态度不好"],
    TicketKind.CONSULTATION: ["保修范围咨询", "延保套餐价格", "充电桩安装咨询", "二手车置换流程"],
    TicketKind.ROADSIDE: ["高速上爆胎", "车辆无法启动"],
    TicketKind.SUGGESTION: ["希望周末延长营业时间", "休息区增加儿童区"],
}
REPLIES = ["您好，已收到您的问题，我们会尽快处理。", "已安排技师检查，请您方便时到店。", "已为您预约，请准时到店。"]
RESOLUTIONS = ["已检修完毕，客户确认正常。", "已按约定完成保养。", "已向客户致歉并赠送免费洗车。", "已解答客户问题。"]


def open_demo_tickets(seed: int = 11) -> int:
    if Ticket.objects.exists():
        return 0
    advisor = User.objects.filter(username=Role.SERVICE_ADVISOR).first()
    agent = User.objects.filter(username=Role.AGENT).first()
    if advisor is None or agent is None:
        return 0
    station = OrgUnit.objects.get(pk=advisor.primary_unit_id)
    rng = random.Random(seed)
    customers = list(Customer.objects.filter(
        erased_at__isnull=True, relationships__org_unit=station, relationships__kind=RelationshipKind.SERVICE,
        relationships__until__isnull=True).distinct().order_by("pk").values_list("pk", flat=True)[:500])
    customers = customers or list(CustomerRelationship.objects.filter(org_unit__kind="dealer").order_by("pk")
                                  .values_list("customer_id", flat=True)[:500])
    made = 0
    for index in range(TICKETS if customers else 0):
        kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        customer_id = rng.choice(customers)
        car = Customer.objects.get(pk=customer_id).ownerships.filter(end_date__isnull=True).first()
        taker = agent if kind in (TicketKind.REPAIR, TicketKind.ROADSIDE, TicketKind.COMPLAINT) else advisor
        if not Customer.objects.restrict(taker).filter(pk=customer_id).exists():
            taker = agent  # a small demo: the station's own customers run out, the call center sees all
        data = {"customer_id": customer_id, "kind": kind, "subject": rng.choice(SUBJECTS[kind]),
                "channel": "phone" if taker == agent else rng.choice(["visit", "wechat", "phone"]),
                "vehicle_id": car.vehicle_id if car else None,
                "priority": rng.choices(list(PRIORITIES), weights=list(PRIORITIES.values()))[0]}
        with transaction.atomic():
            ticket = tickets.open_ticket(taker, data)
            if index >= STILL_OPEN:
                _work(ticket, advisor, rng)
                _move_back(ticket, rng)
            elif index % 3 and _worker(ticket, advisor):  # some answered already, some waiting on the customer
                tickets.reply(_worker(ticket, advisor), ticket.pk, rng.choice(REPLIES), wait=index % 3 == 2)
        made += 1
    return made


def _worker(ticket: Ticket, advisor):
    """The station's advisor for its tickets, the call center's supervisor for the rest."""
    if Ticket.objects.restrict(advisor, "change").filter(pk=ticket.pk).exists():
        return advisor
    return User.objects.filter(username=Role.SUPERVISOR).first()


def _work(ticket: Ticket, advisor, rng: random.Random) -> None:
    worker = _worker(ticket, advisor)
    tickets.reply(worker, ticket.pk, rng.choice(REPLIES))
    tickets.resolve(worker, ticket.pk, rng.choice(RESOLUTIONS))
    if rng.random() < 0.06:
        tickets.reopen(worker, ticket.pk, "客户反映问题仍然存在")
        tickets.resolve(worker, ticket.pk, "已再次检修，客户确认正常。")
    if rng.random() < 0.7:
        tickets.close(worker, ticket.pk)


def _move_back(ticket: Ticket, rng: random.Random) -> None:
    """As if opened up to DAYS_BACK days ago, answered and resolved after a share of their target
    time that is sometimes over 1 (late: marked as the worker would have)."""
    ticket.refresh_from_db()
    back = dt.timedelta(days=rng.uniform(2, DAYS_BACK))
    opened = ticket.created_at - back
    answered = opened + (ticket.first_response_due - ticket.created_at) * rng.uniform(0.1, 1.4)
    resolved = opened + (ticket.resolution_due - ticket.created_at) * rng.uniform(0.2, 1.3)
    resolved = max(resolved, answered)
    due_response, due_resolution = ticket.first_response_due - back, ticket.resolution_due - back
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=opened, first_response_due=due_response, resolution_due=due_resolution,
        first_responded_at=answered, resolved_at=resolved,
        closed_at=resolved + dt.timedelta(days=2) if ticket.closed_at else None,
        response_breached_at=due_response if answered > due_response else None,
        resolution_breached_at=due_resolution if resolved > due_resolution else None,
        updated_at=min(timezone.now(), resolved + dt.timedelta(days=2)))
    entries = TicketEntry.objects.filter(ticket=ticket)
    entries.update(at=F("at") - back)
    entries.filter(Q(kind=EntryKind.REPLY) | Q(status=TicketStatus.IN_PROGRESS)).update(at=answered)
    entries.filter(status=TicketStatus.RESOLVED).update(at=resolved)
    entries.filter(status=TicketStatus.CLOSED).update(at=resolved + dt.timedelta(days=2))
