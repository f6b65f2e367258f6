"""Handing leads to dealers and keeping the service levels: accept within ACCEPT_WITHIN of the
dealer's working time, first call within CONTACT_WITHIN. The worker's sweep (tasks.py) reassigns a
lead nobody accepted in time to the next dealer and escalates one nobody called, so a prospect's
intent, "as fragile as a chick", is not left waiting.

A hand-over adds a LEAD relationship (the dealer sees the customer it must call); a lead taken
back from a dealer that never worked it ends that relationship again, unless the dealer has
another open lead of the customer.
"""

import datetime as dt

from auditlog import get_logentry_model
from auditlog.context import auditlog_disabled
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntryManager
from auditlog.registry import auditlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.models import OrgUnit, OrgUnitKind
from guanxi.core.outbox import emit, emit_many
from guanxi.core.scoping import get_restricted, require
from guanxi.core.working_hours import add_working_time
from guanxi.customers import relationships
from guanxi.customers.models import Customer, CustomerRelationship, RelationshipKind, Vehicle
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

ACCEPT_WITHIN = dt.timedelta(hours=2)  # of the dealer's working time
CONTACT_WITHIN = dt.timedelta(hours=24)  # from acceptance, whatever the hours: a prospect calls around
SWEPT_AT_ONCE = 500


def desk_of(dealer_id: int) -> DealerDesk:
    """The dealer's desk; a dealer nobody set up works with the defaults."""
    return DealerDesk.objects.filter(dealer_id=dealer_id).first() or DealerDesk(dealer_id=dealer_id)


def loads(dealer_ids) -> dict[int, distribution.DealerLoad]:
    """What distribution ranks the dealers by: backlog, capacity, record, last lead received."""
    waiting = _waiting(dealer_ids)
    desks = {desk.dealer_id: desk for desk in DealerDesk.objects.filter(dealer_id__in=dealer_ids)}
    return {dealer_id: _load(desks.get(dealer_id) or DealerDesk(dealer_id=dealer_id), waiting.get(dealer_id, 0))
            for dealer_id in dealer_ids}


def _waiting(dealer_ids) -> dict[int, int]:
    """Leads waiting for a first call, by dealer (dealers with none left out)."""
    return dict(Lead.objects.filter(dealer_id__in=dealer_ids, status__in=WAITING_FOR_A_CALL)
                .values_list("dealer_id").annotate(n=Count("pk")).order_by())


def _load(desk: DealerDesk, waiting: int) -> distribution.DealerLoad:
    return distribution.DealerLoad(desk.dealer_id, waiting, desk.capacity, desk.performance,
                                   desk.last_assigned_at.timestamp() if desk.last_assigned_at else 0.0)


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


# --- many leads at once ---------------------------------------------------------------------------

# what hand_over changes on a lead with no dealer yet: per lead, and the same for all
HANDED_PER_LEAD = ("dealer", "why_dealer", "assigned_at", "accept_by", "updated_at")
HANDED_ALIKE = {"status": LeadStatus.ASSIGNED, "accepted_at": None, "contact_by": None, "escalated_at": None}
ASSIGNED_FIELDS = (*HANDED_PER_LEAD, *HANDED_ALIKE)
WAITING_FIELDS = ("why_dealer", "updated_at")  # no rule matched: the lead waits for head office


def assign_waiting(leads, actor) -> list[Lead]:
    """Hands leads no dealer has yet to the dealers the rules choose, as `assign_automatically`
    would one after the other: the same dealers in the same order (each hand-over counts in the
    next lead's ranking), the same rows (leads, lead events, relationships, desks' counters and
    last lead, domain events, audit entries), but with the rules, the dealers' loads and desks read
    once and each kind of row written in one statement. For imports and the worker, where leads
    come by the hundred; one atomic block, so a batch is handed over whole or not at all.

    Two differences, neither in what is recorded: the worker is woken once for the batch rather
    than once per event, and auditlog's pre_log / post_log signals are not sent (nothing listens).
    Where several workers may take the same leads, the caller locks them (select_for_update with
    skip_locked, as `sweep` does); a LEAD relationship another transaction makes meanwhile for the
    same customer and dealer fails the batch on the unique constraint, and it can be run again."""
    leads = list(leads)
    if any(lead.dealer_id is not None for lead in leads):
        raise ValueError("assign_waiting takes leads no dealer has yet; hand the others over one by one")
    if not leads:
        return leads
    with transaction.atomic():
        _attach_customers(leads)
        in_use = rules()
        previous = _previous_dealers(leads)
        dealer_ids = {rule.dealer_id for rule in in_use} | set(previous.values()) - {None}
        waiting = _waiting(dealer_ids)
        desks = {desk.dealer_id: desk for desk in DealerDesk.objects.filter(dealer_id__in=dealer_ids)}
        missing_desks = dealer_ids - set(desks)
        desks.update({dealer_id: DealerDesk(dealer_id=dealer_id) for dealer_id in missing_desks})
        current = {dealer_id: _load(desks[dealer_id], waiting.get(dealer_id, 0)) for dealer_id in dealer_ids}
        before = Lead.objects.in_bulk([lead.pk for lead in leads])
        handed, received = [], {}
        for lead in leads:
            lead_facts = distribution.LeadFacts(lead.province, lead.city, lead.model, lead.timeframe,
                                                previous.get(lead.pk))
            choice = distribution.choose_dealer(lead_facts, in_use, current)
            now = timezone.now()
            lead.why_dealer, lead.updated_at = [list(reason) for reason in choice.reasons], now
            if choice.dealer_id is None:
                continue
            desk = desks[choice.dealer_id]
            lead.dealer_id, lead.assigned_at = choice.dealer_id, now
            lead.accept_by = add_working_time(now, ACCEPT_WITHIN, desk.hours())
            for name, value in HANDED_ALIKE.items():
                setattr(lead, name, value)
            desk.assigned, desk.last_assigned_at = desk.assigned + 1, now
            waiting[desk.dealer_id] = waiting.get(desk.dealer_id, 0) + 1
            current[desk.dealer_id] = _load(desk, waiting[desk.dealer_id])
            received[desk.dealer_id] = received.get(desk.dealer_id, 0) + 1
            handed.append(lead)
        _write_handed_over(leads, handed, before, desks, received, missing_desks, actor)
    return leads


def _attach_customers(leads: list[Lead]) -> None:
    """The customers the leads' audit entries and relationships name, in one query."""
    wanted = {lead.customer_id for lead in leads if not Lead.customer.is_cached(lead)}
    found = Customer.objects.in_bulk(wanted) if wanted else {}
    for lead in leads:
        if lead.customer_id in found:
            lead.customer = found[lead.customer_id]


def _previous_dealers(leads: list[Lead]) -> dict[int, int | None]:
    """`_previous_dealer` of each repurchase lead, by lead id, in one query."""
    repurchases = [lead for lead in leads if lead.repurchase]
    sold_by: dict[int, int] = {}
    if repurchases:
        rows = (Vehicle.objects.filter(ownerships__customer_id__in={lead.customer_id for lead in repurchases},
                                       selling_dealer__isnull=False)
                .order_by("-purchase_date", "-pk").values_list("ownerships__customer_id", "selling_dealer_id"))
        for customer_id, dealer_id in rows:
            sold_by.setdefault(customer_id, dealer_id)
    return {lead.pk: sold_by.get(lead.customer_id) or lead.customer.home_dealer_id for lead in repurchases}


def _write_handed_over(leads, handed, before, desks, received, missing_desks, actor) -> None:
    """The rows hand_over writes lead by lead, each kind in one statement, in the same order."""
    _update_handed(handed)
    Lead.objects.bulk_update([lead for lead in leads if lead.dealer_id is None], WAITING_FIELDS)
    for dealer_id in missing_desks & set(received):
        DealerDesk.objects.get_or_create(dealer_id=dealer_id)
    DealerDesk.objects.bulk_update(
        [DealerDesk(dealer_id=dealer_id, assigned=F("assigned") + count,
                    last_assigned_at=desks[dealer_id].last_assigned_at) for dealer_id, count in received.items()],
        ["assigned", "last_assigned_at"])
    related = set(CustomerRelationship.objects.filter(
        customer_id__in={lead.customer_id for lead in handed}, org_unit_id__in=set(received),
        kind=RelationshipKind.LEAD, until__isnull=True).values_list("customer_id", "org_unit_id"))
    new_relationships = {}
    for lead in handed:
        if (lead.customer_id, lead.dealer_id) not in related:
            related.add((lead.customer_id, lead.dealer_id))
            new_relationships[lead.pk] = CustomerRelationship(
                customer=lead.customer, org_unit_id=lead.dealer_id, kind=RelationshipKind.LEAD,
                since=lead.assigned_at, source="lead")
    CustomerRelationship.objects.bulk_create(new_relationships.values())
    LeadEvent.objects.bulk_create(
        LeadEvent(lead=lead, kind=LeadEventKind.ASSIGNED, at=lead.assigned_at, user=_person(actor),
                  dealer_id=lead.dealer_id) for lead in handed)
    audits, events = [], []
    for lead in leads:
        audits.append((lead, before[lead.pk], ASSIGNED_FIELDS if lead.dealer_id else WAITING_FIELDS))
        relationship = new_relationships.get(lead.pk)
        if relationship is not None:
            audits.append((relationship, None, None))
            events.append(("customers.relationship.added", lead.customer, {
                "org_unit_id": relationship.org_unit_id, "kind": relationship.kind, "source": relationship.source}))
        if lead.dealer_id:
            events.append(("sales.lead.assigned", lead, {"dealer_id": lead.dealer_id, "previous_dealer_id": None}))
    _audit_in_bulk(audits)
    emit_many(events, actor)


def _update_handed(handed: list[Lead]) -> None:
    """`Lead.objects.bulk_update(handed, ASSIGNED_FIELDS)` as one UPDATE … FROM (VALUES …), the
    same on PostgreSQL and SQLite (3.33 and later): Django's bulk_update writes a CASE per field and
    row, which cost more than all the rest of a batch."""
    if not handed:
        return
    meta, quote = Lead._meta, connection.ops.quote_name
    varying = [meta.get_field(name) for name in HANDED_PER_LEAD]
    params = []
    for lead in handed:
        params.append(lead.pk)
        params.extend(field.get_db_prep_save(getattr(lead, field.attname), connection) for field in varying)
    row = "(" + ", ".join(["%s"] * (len(varying) + 1)) + ")"
    assignments = [f"{quote(field.column)} = v.column{n}" for n, field in enumerate(varying, start=2)]
    assignments += [f"{quote(meta.get_field(name).column)} = %s" for name in HANDED_ALIKE]
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {', '.join(assignments)} FROM (VALUES {', '.join([row] * len(handed))}) "
                       f"AS v WHERE {table}.{quote(meta.pk.column)} = v.column1", [*HANDED_ALIKE.values(), *params])


class _KeptLogEntries(LogEntryManager):
    """auditlog's own `log_create`, each entry made as its save() would make it (pre_save: the
    audit context names the actor and the channel) but kept, to be written in one INSERT."""

    def __init__(self):
        super().__init__()
        self.model, self.kept = get_logentry_model(), []

    def create(self, **fields):
        entry = self.model(**fields)
        pre_save.send(sender=self.model, instance=entry, raw=False, using=self.db, update_fields=None)
        self.kept.append(entry)
        return entry


def _audit_in_bulk(changes: list[tuple[object, object | None, tuple[str, ...] | None]]) -> None:
    """The audit entries auditlog writes when each (instance, its row before or None when new,
    fields saved) is saved, in one INSERT. Saving compares before the auto_now fields are set, so
    their change is never in an entry: they are left out here too."""
    if auditlog_disabled.get():
        return
    kept = _KeptLogEntries()
    for instance, old, fields in changes:
        if not auditlog.contains(type(instance)):
            continue
        if fields is not None:
            fields = [name for name in fields if not getattr(instance._meta.get_field(name), "auto_now", False)]
        action = kept.model.Action.CREATE if old is None else kept.model.Action.UPDATE
        diff = model_instance_diff(old, instance, fields_to_check=fields,
                                   use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES)
        if diff:
            kept.log_create(instance, action=action, changes=diff)
    kept.model.objects.bulk_create(kept.kept)
