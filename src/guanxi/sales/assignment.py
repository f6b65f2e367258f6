"""Handing leads to dealers and keeping the service levels: accept within ACCEPT_WITHIN of the
dealer's working time, first call within CONTACT_WITHIN. The worker's sweep (tasks.py) reassigns a
lead nobody accepted in time to the next dealer and escalates one nobody called, so a prospect's
intent, "as fragile as a chick", is not left waiting.

A hand-over adds a LEAD relationship (the dealer sees the customer it must call); a lead taken
back from a dealer that never worked it ends that relationship again, unless the dealer has
another open lead of the customer.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.models import OrgUnit, OrgUnitKind
from guanxi.core.outbox import emit
from guanxi.core.scoping import get_restricted, require
from guanxi.customers import relationships
from guanxi.customers.models import RelationshipKind, Vehicle
from guanxi.sales import distribution
from guanxi.sales.models import (
    OPEN_STATUSES,
    WAITING_FOR_A_CALL,
    DealerDesk,
    DistributionRule,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadStatus,
)
from guanxi.sales.working_hours import add_working_time

ACCEPT_WITHIN = dt.timedelta(hours=2)  # of the dealer's working time
CONTACT_WITHIN = dt.timedelta(hours=24)  # from acceptance, whatever the hours: a prospect calls around
SWEPT_AT_ONCE = 500


def desk_of(dealer_id: int) -> DealerDesk:
    """The dealer's desk; a dealer nobody set up works with the defaults."""
    return DealerDesk.objects.filter(dealer_id=dealer_id).first() or DealerDesk(dealer_id=dealer_id)


def loads(dealer_ids) -> dict[int, distribution.DealerLoad]:
    """What distribution ranks the dealers by: backlog, capacity, record, last lead received."""
    waiting = dict(
        Lead.objects.filter(dealer_id__in=dealer_ids, status__in=WAITING_FOR_A_CALL)
        .values_list("dealer_id").annotate(n=Count("pk")).order_by()
    )
    desks = {desk.dealer_id: desk for desk in DealerDesk.objects.filter(dealer_id__in=dealer_ids)}
    found = {}
    for dealer_id in dealer_ids:
        desk = desks.get(dealer_id) or DealerDesk(dealer_id=dealer_id)
        found[dealer_id] = distribution.DealerLoad(
            dealer_id, waiting.get(dealer_id, 0), desk.capacity, desk.performance,
            desk.last_assigned_at.timestamp() if desk.last_assigned_at else 0.0)
    return found


def rules() -> list[distribution.Rule]:
    """The rules in use, for dealers whose desk takes leads."""
    rows = (DistributionRule.objects.filter(active=True, dealer__kind=OrgUnitKind.DEALER)
            .exclude(dealer__desk__accepts_leads=False)
            .values_list("dealer_id", "priority", "province", "city", "model", "timeframe"))
    return [distribution.Rule(*row) for row in rows]


def facts(lead: Lead) -> distribution.LeadFacts:
    previous = _previous_dealer(lead) if lead.repurchase else None
    return distribution.LeadFacts(lead.province, lead.city, lead.model, lead.timeframe, previous)


def _previous_dealer(lead: Lead) -> int | None:
    """The dealer that sold the customer's latest car, else the customer's home dealer."""
    sold_by = (Vehicle.objects.filter(ownerships__customer_id=lead.customer_id, selling_dealer__isnull=False)
               .order_by("-purchase_date", "-pk").values_list("selling_dealer_id", flat=True).first())
    return sold_by or lead.customer.home_dealer_id


def choose(lead: Lead, excluded=frozenset()) -> distribution.Choice:
    lead_facts, in_use = facts(lead), rules()
    dealer_ids = {rule.dealer_id for rule in in_use} | ({lead_facts.previous_dealer_id} - {None})
    return distribution.choose_dealer(lead_facts, in_use, loads(dealer_ids), frozenset(excluded))


def assign_automatically(lead: Lead, actor) -> Lead:
    """Hands a new lead to the dealer the rules choose; with none, it waits for head office."""
    choice = choose(lead)
    if choice.dealer_id is None:
        lead.why_dealer = [list(reason) for reason in choice.reasons]
        lead.save(update_fields=["why_dealer", "updated_at"])
        return lead
    return hand_over(lead, choice.dealer_id, choice.reasons, actor)


def assign(user, pk, dealer_id=None) -> Lead:
    """Head office hands an open lead to a dealer, named or chosen by the rules (again)."""
    require(user, Lead.permission_key, "assign")
    lead = get_restricted(user, Lead, pk, "assign")
    if not lead.is_open:
        raise ValidationError({"status": _("This lead is closed: reopen it first.")})
    if dealer_id is None:
        choice = choose(lead, excluded={lead.dealer_id} - {None})
        if choice.dealer_id is None:
            raise ValidationError({"dealer_id": _("No distribution rule matches this lead: name the dealer.")})
        return hand_over(lead, choice.dealer_id, choice.reasons, user)
    if not OrgUnit.objects.filter(pk=dealer_id, kind=OrgUnitKind.DEALER).exists():
        raise ValidationError({"dealer_id": _("No such dealer.")})
    return hand_over(lead, int(dealer_id), [("chosen_by_hq", None)], user)


def hand_over(lead: Lead, dealer_id: int, reasons, actor, kind: str = LeadEventKind.ASSIGNED,
              now: dt.datetime | None = None) -> Lead:
    """The lead goes to the dealer, its service-level clock starts, the dealer sees the customer."""
    now = now or timezone.now()
    with transaction.atomic():
        previous = lead.dealer_id
        if previous and previous != dealer_id:
            lead.tried_dealers = sorted({*lead.tried_dealers, previous})
        lead.dealer_id, lead.status, lead.why_dealer = dealer_id, LeadStatus.ASSIGNED, [list(r) for r in reasons]
        lead.assigned_at, lead.accept_by = now, add_working_time(now, ACCEPT_WITHIN, desk_of(dealer_id).hours())
        lead.accepted_at = lead.contact_by = lead.escalated_at = None
        lead.save()
        DealerDesk.objects.get_or_create(dealer_id=dealer_id)
        DealerDesk.objects.filter(dealer_id=dealer_id).update(assigned=F("assigned") + 1, last_assigned_at=now)
        relationships.relate(lead.customer, dealer_id, RelationshipKind.LEAD, "lead", actor=actor)
        if previous and previous != dealer_id:
            _let_go(lead, previous, actor)
        LeadEvent.objects.create(lead=lead, kind=kind, at=now, user=_person(actor), dealer_id=dealer_id)
        emit("sales.lead.assigned", lead, {"dealer_id": dealer_id, "previous_dealer_id": previous}, actor=actor)
    return lead


def _person(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _let_go(lead: Lead, dealer_id: int, actor) -> None:
    """A dealer the lead moved away from stops seeing the customer through it, unless another open
    lead of the customer is with that dealer."""
    others = Lead.objects.filter(customer_id=lead.customer_id, dealer_id=dealer_id, status__in=OPEN_STATUSES)
    if not others.exclude(pk=lead.pk).exists():
        relationships.end(lead.customer, RelationshipKind.LEAD, only_unit_id=dealer_id, actor=actor)


def accept_now(lead: Lead, user, now: dt.datetime | None = None) -> Lead:
    """The dealer takes the lead: the first-call clock starts."""
    now = now or timezone.now()
    lead.status, lead.accepted_at, lead.contact_by = LeadStatus.ACCEPTED, now, now + CONTACT_WITHIN
    lead.save(update_fields=["status", "accepted_at", "contact_by", "updated_at"])
    if lead.accept_by is None or now <= lead.accept_by:
        DealerDesk.objects.filter(dealer_id=lead.dealer_id).update(accepted_in_time=F("accepted_in_time") + 1)
    LeadEvent.objects.create(lead=lead, kind=LeadEventKind.ACCEPTED, at=now, user=_person(user),
                             dealer_id=lead.dealer_id)
    emit("sales.lead.accepted", lead, {"dealer_id": lead.dealer_id}, actor=user)
    return lead


def pass_on(lead: Lead, actor, kind: str, now: dt.datetime | None = None) -> Lead:
    """The lead leaves its dealer (rejected, or not accepted in time) for the next one the rules
    give; with none left it stays where it is, escalated to head office."""
    choice = choose(lead, excluded={*lead.tried_dealers, lead.dealer_id})
    if choice.dealer_id is not None:
        return hand_over(lead, choice.dealer_id, choice.reasons, actor, kind, now)
    return escalate(lead, actor, now, _("No other dealer could take it."))


def escalate(lead: Lead, actor, now: dt.datetime | None = None, note: str = "") -> Lead:
    now = now or timezone.now()
    lead.escalated_at = now
    lead.save(update_fields=["escalated_at", "updated_at"])
    LeadEvent.objects.create(lead=lead, kind=LeadEventKind.ESCALATED, at=now, user=_person(actor),
                             dealer_id=lead.dealer_id, note=note[:500])
    emit("sales.lead.escalated", lead, {"dealer_id": lead.dealer_id}, actor=actor)
    return lead


def sweep(actor, now: dt.datetime | None = None) -> tuple[int, int]:
    """The worker's round: (leads reassigned, leads escalated). Rows are locked and skipped when
    locked, so two workers never move the same lead twice."""
    now = now or timezone.now()
    moved = escalated = 0
    with transaction.atomic():
        late_to_accept = list(Lead.objects.select_for_update(skip_locked=True).select_related("customer")
                              .filter(status=LeadStatus.ASSIGNED, accept_by__lt=now, escalated_at__isnull=True)
                              .order_by("accept_by")[:SWEPT_AT_ONCE])
        for lead in late_to_accept:
            pass_on(lead, actor, LeadEventKind.REASSIGNED, now)
            moved += lead.escalated_at is None
            escalated += lead.escalated_at is not None
        late_to_call = list(Lead.objects.select_for_update(skip_locked=True)
                            .filter(status=LeadStatus.ACCEPTED, contact_by__lt=now, escalated_at__isnull=True)
                            .order_by("contact_by")[:SWEPT_AT_ONCE])
        for lead in late_to_call:
            escalate(lead, actor, now, _("Accepted but not called within 24 hours."))
        escalated += len(late_to_call)
    return moved, escalated
