"""What people do with a ticket: open it for a customer (and car), hand it to a unit and a person,
answer the customer, note, wait on the customer, resolve, close, reopen. Each step checks the
ticket's state, is written with its entry in one transaction, and keeps the SLA clocks true.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.models import OrgUnit, OrgUnitKind, User
from guanxi.core.outbox import emit
from guanxi.core.scoping import get_restricted, require, within_reach
from guanxi.customers import relationships
from guanxi.customers.models import RelationshipKind, Vehicle
from guanxi.customers.services import get_customer, refuse_if_erased
from guanxi.service import sla
from guanxi.service.models import (
    OPEN_STATUSES,
    EntryKind,
    Ticket,
    TicketEntry,
    TicketKind,
    TicketStatus,
)

CHANGEABLE = ("subject", "description", "priority", "vehicle_id")
# Units that work on cars: a ticket handed to one gives it sight of the customer (a SERVICE relationship).
WORKSHOPS = (OrgUnitKind.DEALER, OrgUnitKind.SERVICE_STATION)
CAR_KINDS = (TicketKind.REPAIR, TicketKind.MAINTENANCE, TicketKind.ROADSIDE)


def _locked(user, pk, action: str = "change") -> Ticket:
    ticket = get_restricted(user, Ticket, pk, action)
    return Ticket.objects.select_for_update(of=("self",)).select_related("customer").get(pk=ticket.pk)


def _entry(ticket, user, kind, body="", attachment=None) -> TicketEntry:
    return TicketEntry.objects.create(ticket=ticket, kind=kind, body=body, attachment=attachment or "",
                                      status=ticket.status if kind == EntryKind.EVENT else "",
                                      author=user if getattr(user, "is_authenticated", False) else None,
                                      at=timezone.now())


def _vehicle(customer, vehicle_id):
    if vehicle_id is None:
        return None
    vehicle = Vehicle.objects.filter(pk=vehicle_id, ownerships__customer=customer).first()
    if vehicle is None:
        raise ValidationError({"vehicle_id": _("Choose one of the customer's cars.")})
    return vehicle


def _responsible_unit(user, kind, vehicle, org_unit_id):
    """The unit named (by those who hand tickets out there), else the workshop servicing the car
    for car work, else the user's own."""
    if org_unit_id is not None and not within_reach(user, Ticket.permission_key, "assign", org_unit_id):
        raise ValidationError({"org_unit_id": _("You may not hand tickets to this unit.")})
    if org_unit_id is None and kind in CAR_KINDS and vehicle is not None:
        org_unit_id = vehicle.service_unit_id
    org_unit_id = org_unit_id or user.primary_unit_id
    unit = OrgUnit.objects.filter(pk=org_unit_id).first()
    if unit is None:
        raise ValidationError({"org_unit_id": _("Choose the unit responsible for the ticket.")})
    return unit


def _assignee(unit, assignee_id):
    if assignee_id is None:
        return None
    person = User.objects.filter(pk=assignee_id, is_active=True).first()
    if person is None or not within_reach(person, Ticket.permission_key, "change", unit.pk):
        raise ValidationError({"assignee_id": _("Choose someone who works tickets at the responsible unit.")})
    return person


def _hand_to(ticket, unit, person, actor) -> None:
    ticket.org_unit = unit
    ticket.assignee = person
    if unit.kind in WORKSHOPS:
        relationships.relate(ticket.customer, unit.pk, RelationshipKind.SERVICE, "ticket", actor=actor)


def open_ticket(user, data: dict) -> Ticket:
    """A customer's request becomes a ticket; its clocks start at once from the type and the
    customer's tier (a VIP's complaint is due sooner than a standard customer's suggestion)."""
    require(user, Ticket.permission_key, "add")
    customer = get_customer(user, data["customer_id"])
    refuse_if_erased(customer)
    now = timezone.now()
    with transaction.atomic():
        vehicle = _vehicle(customer, data.get("vehicle_id"))
        kind = data.get("kind") or TicketKind.CONSULTATION
        unit = _responsible_unit(user, kind, vehicle, data.get("org_unit_id"))
        ticket = Ticket(customer=customer, vehicle=vehicle, kind=kind, tier=customer.tier,
                        channel=data.get("channel") or Ticket._meta.get_field("channel").default,
                        subject=(data.get("subject") or "").strip(), description=data.get("description") or "",
                        priority=data.get("priority") or Ticket._meta.get_field("priority").default,
                        opened_in_id=user.primary_unit_id or unit.pk, created_by=user)
        _hand_to(ticket, unit, _assignee(unit, data.get("assignee_id")), user)
        ticket.status = TicketStatus.ASSIGNED if ticket.assignee else TicketStatus.NEW
        sla.start(ticket, now)
        ticket.full_clean(exclude=["customer", "vehicle", "org_unit", "opened_in", "assignee", "created_by"])
        ticket.save()
        _entry(ticket, user, EntryKind.EVENT)
        emit("service.ticket.opened", ticket, {"org_unit_id": unit.pk, "kind": kind, "tier": ticket.tier})
    return ticket


def update_ticket(user, pk, data: dict) -> Ticket:
    with transaction.atomic():
        ticket = _locked(user, pk)
        if "vehicle_id" in data:
            ticket.vehicle = _vehicle(ticket.customer, data["vehicle_id"])
        for field in CHANGEABLE[:-1]:
            if data.get(field) is not None:
                setattr(ticket, field, data[field])
        ticket.full_clean(exclude=["customer", "vehicle", "org_unit", "opened_in", "assignee", "created_by"])
        ticket.save()
    return ticket


def _move(ticket, user, status, body="") -> Ticket:
    ticket.status = status
    ticket.save()
    _entry(ticket, user, EntryKind.EVENT, body)
    return ticket


def _refuse_unless(ticket, states, message) -> None:
    if ticket.status not in states:
        raise ValidationError({"status": message})


def assign(user, pk, org_unit_id=None, assignee_id=None) -> Ticket:
    """Hands the ticket to a unit (head office, the call center, a dealer or a station) and
    optionally a person there; the clocks keep running."""
    with transaction.atomic():
        ticket = _locked(user, pk, "assign")
        _refuse_unless(ticket, OPEN_STATUSES, _("A resolved or closed ticket is reopened first."))
        unit = OrgUnit.objects.filter(pk=org_unit_id or ticket.org_unit_id).first()
        if unit is None or not within_reach(user, Ticket.permission_key, "assign", unit.pk):
            raise ValidationError({"org_unit_id": _("You may not hand tickets to this unit.")})
        _hand_to(ticket, unit, _assignee(unit, assignee_id), user)
        status = TicketStatus.ASSIGNED if ticket.status == TicketStatus.NEW and ticket.assignee else ticket.status
        person = ticket.assignee.get_full_name() or ticket.assignee.username if ticket.assignee else ""
        _move(ticket, user, status, " · ".join(str(part) for part in (unit, person) if part))
        emit("service.ticket.assigned", ticket, {"org_unit_id": unit.pk, "assignee_id": ticket.assignee_id})
    return ticket


def take(user, pk) -> Ticket:
    """The person working the ticket takes it: assigned to them, in progress."""
    with transaction.atomic():
        ticket = _locked(user, pk)
        _refuse_unless(ticket, (TicketStatus.NEW, TicketStatus.ASSIGNED), _("Only a ticket nobody works yet is taken."))
        ticket.assignee = user
        return _move(ticket, user, TicketStatus.IN_PROGRESS)


def reply(user, pk, body: str, attachment=None, wait: bool = False) -> Ticket:
    """An answer the customer sees; the first one stops the first-response clock. `wait`: the
    answer asks the customer for something, and the resolution clock pauses until they answer."""
    if not (body or "").strip():
        raise ValidationError({"body": _("Write the answer.")})
    now = timezone.now()
    with transaction.atomic():
        ticket = _locked(user, pk)
        _refuse_unless(ticket, OPEN_STATUSES, _("A resolved or closed ticket is reopened first."))
        _entry(ticket, user, EntryKind.REPLY, body.strip(), attachment)
        ticket.first_responded_at = ticket.first_responded_at or now
        ticket.assignee = ticket.assignee or user
        if wait:
            sla.pause(ticket, now)
            return _move(ticket, user, TicketStatus.WAITING)
        sla.resume(ticket, now)
        return _move(ticket, user, TicketStatus.IN_PROGRESS) if ticket.status != TicketStatus.IN_PROGRESS \
            else _saved(ticket)


def _saved(ticket) -> Ticket:
    ticket.save()
    return ticket


def note(user, pk, body: str, attachment=None) -> Ticket:
    """A note for colleagues only; it changes no clock."""
    if not (body or "").strip() and not attachment:
        raise ValidationError({"body": _("Write the note.")})
    with transaction.atomic():
        ticket = _locked(user, pk)
        _entry(ticket, user, EntryKind.NOTE, (body or "").strip(), attachment)
        return _saved(ticket)


def resume(user, pk, body: str = "") -> Ticket:
    """The customer answered: the resolution clock runs again with the time that was left."""
    with transaction.atomic():
        ticket = _locked(user, pk)
        _refuse_unless(ticket, (TicketStatus.WAITING,), _("Only a ticket waiting on the customer resumes."))
        sla.resume(ticket, timezone.now())
        return _move(ticket, user, TicketStatus.IN_PROGRESS, (body or "").strip())


def resolve(user, pk, resolution: str) -> Ticket:
    """What was done, in words the customer can be told; the resolution clock stops."""
    if not (resolution or "").strip():
        raise ValidationError({"resolution": _("Say how it was resolved.")})
    with transaction.atomic():
        ticket = _locked(user, pk)
        _refuse_unless(ticket, OPEN_STATUSES, _("This ticket is resolved already."))
        return resolve_now(ticket, user, resolution)


def resolve_now(ticket, user, resolution: str) -> Ticket:
    """Resolves a ticket the caller holds locked (a work order handed back resolves its ticket,
    wherever the ticket is by then)."""
    now = timezone.now()
    sla.resume(ticket, now)  # a ticket resolved while waiting: the time left counts as met
    ticket.resolution, ticket.resolved_at = resolution.strip(), now
    ticket.first_responded_at = ticket.first_responded_at or now
    _move(ticket, user, TicketStatus.RESOLVED, ticket.resolution)
    in_time = ticket.resolution_due is None or ticket.resolved_at <= ticket.resolution_due
    emit("service.ticket.resolved", ticket, {"org_unit_id": ticket.org_unit_id, "in_time": in_time})
    return ticket


def close(user, pk) -> Ticket:
    with transaction.atomic():
        ticket = _locked(user, pk)
        _refuse_unless(ticket, (TicketStatus.RESOLVED,), _("Only a resolved ticket is closed."))
        return close_now(ticket, user)


def close_now(ticket, actor) -> Ticket:
    ticket.closed_at = timezone.now()
    _move(ticket, actor, TicketStatus.CLOSED)
    emit("service.ticket.closed", ticket, {"org_unit_id": ticket.org_unit_id, "kind": ticket.kind}, actor=actor)
    return ticket


def reopen(user, pk, reason: str) -> Ticket:
    """The customer says it is not solved: back in progress with the whole resolution time."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why it is reopened.")})
    now = timezone.now()
    with transaction.atomic():
        ticket = _locked(user, pk)
        _refuse_unless(ticket, (TicketStatus.RESOLVED, TicketStatus.CLOSED), _("This ticket is open."))
        ticket.resolved_at = ticket.closed_at = None
        ticket.reopened += 1
        if ticket.resolution_breached_at is not None:  # the miss stays in the ticket's history
            _entry(ticket, user, EntryKind.NOTE, _("The resolution was overdue before reopening."))
        sla.restart_resolution(ticket, now)
        return _move(ticket, user, TicketStatus.IN_PROGRESS, reason.strip())


def link_article(user, pk, article_id) -> Ticket:
    """Links a published knowledge article that answered the ticket (the knowledge base learns
    which articles solve which requests)."""
    from guanxi.knowledge.models import Article, ArticleStatus

    with transaction.atomic():
        ticket = _locked(user, pk)
        article = Article.objects.restrict(user).filter(pk=article_id, status=ArticleStatus.PUBLISHED).first()
        if article is None:
            raise ValidationError({"article_id": _("Choose a published article.")})
        if not ticket.articles.filter(pk=article.pk).exists():
            ticket.articles.add(article)
            _entry(ticket, user, EntryKind.NOTE, _("Knowledge article linked: %(title)s") % {"title": article.title})
        return _saved(ticket)
