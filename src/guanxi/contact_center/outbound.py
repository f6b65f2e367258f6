"""Outbound call lists: follow-up (回访), retention, survey and reminder calls, made and worked.

A list is filled once from the customer list's own filter (what its maker may see, nothing more), or every day by
a rule run by the worker (a work order closed three days ago, a high churn risk in the latest scores, a car due for
maintenance), within its owner's scope. Every customer is checked when added and again when dialled: a phone that
may be called, consent to calls for the list's purpose, not erased, not opted out; whoever fails stays on the list
as skipped, with the reason, so that a supervisor sees why the list is shorter than the filter.

Calls go through click-to-dial (`voice.dial`), so a list call looks to the PBX like any call an agent dials, is
checked the same way and lands on the customer's timeline as the agent's. The agent says at wrap-up what came of
it (an outcome code, settings.GUANXI_OUTBOUND_OUTCOMES): written on the entry and on the call's timeline entry;
no answer or busy is tried again after the list's wait, until its attempts are spent.

Progressive mode dials the next customer in the agent's own request (their wrap-up, or their "Next call"), not in
a worker job: a job would leave the agent idle until its next run, and would dial for an agent shown available
who may have walked away; in the agent's request the call is made as the agent, within their scope.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.analytics.latest import latest_run
from guanxi.analytics.models import Score, ScoreModel
from guanxi.contact_center import services as cc_services
from guanxi.contact_center import voice
from guanxi.contact_center.models import Agent, CallList, CallListEntry, ContactEvent, QueuedContact
from guanxi.core.scoping import get_restricted, require
from guanxi.customers import services as customer_services
from guanxi.customers.filtersets import CustomerFilterSet
from guanxi.customers.models import Channel, Consent, ContactKind, ContactPoint, Customer, Ownership
from guanxi.service.models import WorkKind, WorkOrder, WorkOrderStatus

KEY = "contact_center.calllist"
Entry = CallListEntry.State
Skip = CallListEntry.SkipReason

MAX_ENTRIES = 5_000  # customers one build adds: a filter finding more is refused; a rule adds the rest next day
MAX_ATTEMPTS = 10
RETRY_MINUTES = (5, 7 * 24 * 60)
FOLLOW_UP_AFTER_DAYS = 3
MAINTENANCE_EVERY_DAYS = 180
# A rule also finds what happened up to this many days before its day: a worker that was down misses nobody.
CATCH_UP_DAYS = 7
# A rule does not add a customer the list already had in this many days (a retention call a day is no retention).
NOT_AGAIN_WITHIN = dt.timedelta(days=30)
SKIPS_IN_A_ROW = 20  # progressive: customers found uncallable at dial time passed over in one request
ENTRIES_SHOWN = 200
UNANSWERED_OUTCOME = "no_answer"  # what a list call nobody picked up is recorded as (settle_unanswered)

EFFECTS = ("done", "retry", "failed", "do_not_call")


def outcomes() -> dict[str, tuple[str, str]]:
    """The outcome codes an agent chooses from, {code: (label, effect)}, as the installation keeps them."""
    return settings.GUANXI_OUTBOUND_OUTCOMES


def outcome_label(code: str) -> str:
    found = outcomes().get(code)
    return str(found[0]) if found else code


# ---- making a list ---------------------------------------------------------------------------------------------


def create_list(user, data: dict, now: dt.datetime | None = None) -> tuple[CallList, dict[str, int]]:
    """A new list in draft, filed under the maker's unit (who else sees it); one built from the customer filter is
    filled at once from the customers the maker may see, so that it can be checked before it is activated. With
    `activate`, it is put to work at once. Returns the list and how many customers were added and skipped."""
    require(user, KEY, "add")
    if user.primary_unit_id is None:
        raise ValidationError({"owner": _("Only a user with a membership in an org unit can make call lists")})
    call_list = CallList(
        name=str(data.get("name") or "").strip(), purpose=data.get("purpose") or "", owner=user,
        org_unit_id=user.primary_unit_id, mode=data.get("mode") or CallList.Mode.PREVIEW,
        source=data.get("source") or CallList.Source.FILTER, rule=data.get("rule") or "",
        max_attempts=data.get("max_attempts", 3), retry_minutes=data.get("retry_minutes", 120))
    call_list.full_clean(exclude=["owner", "org_unit", "filters"])
    _check_retry_rules(call_list)
    customers = None
    if call_list.source == CallList.Source.FILTER:
        if call_list.rule:
            raise ValidationError({"rule": _("A list built from a filter has no rule")})
        call_list.filters, customers = _filtered(user, data.get("filters") or {})
    elif not call_list.rule:
        raise ValidationError({"rule": _("Choose the rule that fills the list")})
    elif data.get("filters"):
        raise ValidationError({"filters": _("A list filled by a rule has no customer filter")})
    with transaction.atomic():
        call_list.save()
        counts = {"added": 0, "skipped": 0}
        if customers is not None:
            ids = list(customers.values_list("pk", flat=True)[:MAX_ENTRIES + 1])
            if len(ids) > MAX_ENTRIES:
                raise ValidationError({"filters": _("The filter finds more than %(max)s customers: narrow it")
                                                  % {"max": f"{MAX_ENTRIES:,}"}})
            counts = _add(call_list, {pk: "" for pk in ids}, now or timezone.now())
        if data.get("activate"):
            counts = _sum(counts, _activate(call_list, now or timezone.now()))
    return call_list, counts


def _check_retry_rules(call_list: CallList) -> None:
    if not 1 <= call_list.max_attempts <= MAX_ATTEMPTS:
        raise ValidationError({"max_attempts": _("Between 1 and %(max)s attempts") % {"max": MAX_ATTEMPTS}})
    low, high = RETRY_MINUTES
    if not low <= call_list.retry_minutes <= high:
        raise ValidationError({"retry_minutes": _("Between %(low)s and %(high)s minutes between attempts")
                                                % {"low": low, "high": high}})


def _filtered(user, filters) -> tuple[dict, QuerySet]:
    """The customer list page's filter applied to what the user may see; its choices are the user's own (a dealer
    offered in the filter is one the user may see), so a filter cannot reach past the user's scope."""
    if not isinstance(filters, dict):
        raise ValidationError({"filters": _("The filter is a set of the customer list's filters")})
    unknown = sorted(str(name) for name in set(filters) - set(CustomerFilterSet.base_filters))
    if unknown:
        raise ValidationError({"filters": _("Unknown filters: %(names)s (known: %(known)s)")
                                          % {"names": ", ".join(unknown),
                                             "known": ", ".join(CustomerFilterSet.base_filters)}})
    given = {name: str(value) for name, value in filters.items() if value not in (None, "")}
    filterset = CustomerFilterSet(given, queryset=Customer.objects.restrict(user, "view"),
                                  request=SimpleNamespace(user=user))
    if not filterset.is_valid():
        raise ValidationError({"filters": [f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()]})
    return given, filterset.qs.order_by("pk")


def _add(call_list: CallList, reasons: dict[int, str], now: dt.datetime) -> dict[str, int]:
    """Entries for these customers ({customer id: why on the list}), pending, or skipped with the reason they may
    not be called; a customer already waiting or being called on the list is not added twice."""
    already = set(call_list.entries.filter(state__in=CallListEntry.OPEN, customer_id__in=list(reasons))
                  .values_list("customer_id", flat=True))
    wanted = [pk for pk in reasons if pk not in already]
    refused = refusals(wanted, call_list.purpose)
    CallListEntry.objects.bulk_create(
        CallListEntry(call_list=call_list, customer_id=pk, reason=reasons[pk][:200],
                      state=Entry.SKIPPED if pk in refused else Entry.PENDING, skip_reason=refused.get(pk, ""))
        for pk in wanted)
    call_list.built_at = now
    call_list.save(update_fields=["built_at"])
    return {"added": len(wanted) - len(refused), "skipped": len(refused)}


def _sum(one: dict[str, int], other: dict[str, int]) -> dict[str, int]:
    return {key: one[key] + other[key] for key in one}


def refusals(customer_ids: list[int], purpose: str) -> dict[int, str]:
    """Why each of these customers may not be called for `purpose` (a SkipReason); those who may are left out."""
    erased = set(Customer.objects.filter(pk__in=customer_ids, erased_at__isnull=False).values_list("pk", flat=True))
    phones = ContactPoint.objects.filter(customer_id__in=customer_ids, kind=ContactKind.PHONE)
    with_phone = set(phones.values_list("customer_id", flat=True))
    callable_ = set(phones.filter(opted_out=False).values_list("customer_id", flat=True))
    agreed = set(Consent.objects.filter(customer_id__in=customer_ids, channel=Channel.PHONE, purpose=purpose,
                                        granted=True).values_list("customer_id", flat=True))
    found = {}
    for pk in customer_ids:
        for reason, fails in ((Skip.ERASED, pk in erased), (Skip.NO_PHONE, pk not in with_phone),
                              (Skip.OPTED_OUT, pk not in callable_), (Skip.NO_CONSENT, pk not in agreed)):
            if fails:
                found[pk] = reason
                break
    return found


def set_state(user, pk: int, state: str, now: dt.datetime | None = None) -> dict[str, int]:
    """A supervisor activates a draft (a rule's list is filled at once, then every day) or closes a list (no more
    calls from it; what was done stays)."""
    with transaction.atomic():
        call_list = get_restricted(user, CallList.objects.select_for_update(), pk, "change")
        moves = {CallList.State.ACTIVE: CallList.State.DRAFT, CallList.State.CLOSED: CallList.State.ACTIVE}
        if moves.get(state) != call_list.state:
            raise ValidationError({"state": _("A %(state)s list cannot become %(new)s")
                                            % {"state": call_list.get_state_display(),
                                               "new": CallList.State(state).label if state in CallList.State.values
                                               else state}})
        if state == CallList.State.CLOSED:
            call_list.state = state
            call_list.save(update_fields=["state"])
            return {"added": 0, "skipped": 0}
        return _activate(call_list, now or timezone.now())


def _activate(call_list: CallList, now: dt.datetime) -> dict[str, int]:
    call_list.state = CallList.State.ACTIVE
    call_list.save(update_fields=["state"])
    if call_list.source == CallList.Source.RULE:
        return _build_from_rule(call_list, now)
    return {"added": 0, "skipped": 0}


def run_rules(now: dt.datetime | None = None) -> dict[str, int]:
    """The daily job: every active list filled by a rule gets the customers its rule finds today."""
    now = now or timezone.now()
    total = {"added": 0, "skipped": 0}
    for pk in CallList.objects.filter(state=CallList.State.ACTIVE, source=CallList.Source.RULE).values_list("pk",
                                                                                                          flat=True):
        with transaction.atomic():
            call_list = CallList.objects.select_for_update().select_related("owner").get(pk=pk)
            total = _sum(total, _build_from_rule(call_list, now))
    return total


def _build_from_rule(call_list: CallList, now: dt.datetime) -> dict[str, int]:
    """The rule's customers today within the list's owner's scope, less those the list had lately."""
    found = _RULES[call_list.rule](timezone.localdate(now))
    lately = set(call_list.entries.filter(Q(state__in=CallListEntry.OPEN) | Q(created_at__gte=now - NOT_AGAIN_WITHIN))
                 .values_list("customer_id", flat=True))
    candidates = [pk for pk in found if pk not in lately]
    seen = set(Customer.objects.restrict(call_list.owner, "view").filter(pk__in=candidates)
               .values_list("pk", flat=True))
    chosen = [pk for pk in candidates if pk in seen][:MAX_ENTRIES]
    return _add(call_list, {pk: found[pk] for pk in chosen}, now)


def _follow_ups(today: dt.date) -> dict[int, str]:
    """Customers whose work order was closed three days ago (or up to a week before, if the job missed days)."""
    last = today - dt.timedelta(days=FOLLOW_UP_AFTER_DAYS)
    orders = (WorkOrder.objects.filter(status=WorkOrderStatus.CLOSED, closed_at__date__lte=last,
                                       closed_at__date__gt=last - dt.timedelta(days=CATCH_UP_DAYS))
              .order_by("closed_at", "pk"))
    found = {}
    for order in orders.only("pk", "customer_id", "closed_at"):
        found.setdefault(order.customer_id, _("%(order)s closed on %(day)s")
                         % {"order": order, "day": timezone.localdate(order.closed_at).isoformat()})
    return found


def _retention(today: dt.date) -> dict[int, str]:
    """Owners at high churn risk in the latest published churn scores."""
    scores = (Score.objects.filter(run_id=latest_run(ScoreModel.CHURN), label="high").order_by("-value", "pk")
              .values_list("customer_id", "value"))
    return {customer: _("High churn risk (%(percent)d%%)") % {"percent": round(value * 100)}
            for customer, value in scores}


def _maintenance(today: dt.date) -> dict[int, str]:
    """Owners of a car whose last maintenance (or purchase, if never serviced) was half a year ago."""
    due = today - dt.timedelta(days=MAINTENANCE_EVERY_DAYS)
    since = due - dt.timedelta(days=CATCH_UP_DAYS)
    serviced = (WorkOrder.objects.filter(vehicle_id=OuterRef("vehicle_id"), kind=WorkKind.MAINTENANCE,
                                         status__in=(WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED))
                .order_by("-completed_at").values("completed_at")[:1])
    owned = (Ownership.objects.filter(end_date__isnull=True).annotate(last_service=Subquery(serviced))
             .filter(Q(last_service__isnull=False, last_service__date__lte=due, last_service__date__gt=since)
                     | Q(last_service__isnull=True, vehicle__purchase_date__lte=due,
                         vehicle__purchase_date__gt=since))
             .order_by("pk").values_list("customer_id", "vehicle__model", "last_service", "vehicle__purchase_date"))
    found = {}
    for customer, model, last_service, bought in owned:
        day = timezone.localdate(last_service) if last_service else bought
        found.setdefault(customer, _("%(car)s: last service %(day)s") % {"car": model, "day": day.isoformat()}
                         if last_service else _("%(car)s: bought %(day)s, never serviced")
                         % {"car": model, "day": day.isoformat()})
    return found


_RULES = {CallList.Rule.FOLLOW_UP: _follow_ups, CallList.Rule.RETENTION: _retention,
          CallList.Rule.MAINTENANCE: _maintenance}


# ---- working a list --------------------------------------------------------------------------------------------


def agent_of(user) -> Agent:
    agent = Agent.objects.filter(user=user).first()
    if agent is None:
        raise PermissionDenied(_("Only agents on the contact-center roster work call lists"))
    return agent


def workable(user, pk: int) -> CallList:
    """An active list the user may see."""
    call_list = get_restricted(user, CallList, pk)
    if call_list.state != CallList.State.ACTIVE:
        raise ValidationError({"call_list": _("Only an active list is worked")})
    return call_list


def due(call_list: CallList, user, now: dt.datetime) -> QuerySet:
    """The list's customers waiting for a call now that the user may reach, longest waiting first."""
    return (call_list.entries.filter(state=Entry.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .filter(customer__in=Customer.objects.restrict(user, "view"))
            .select_related("customer").order_by(F("next_attempt_at").asc(nulls_first=True), "pk"))


def in_hand(call_list: CallList, agent: Agent) -> CallListEntry | None:
    """The entry the agent called and has not yet said what came of."""
    return (call_list.entries.filter(state=Entry.DIALLING, agent=agent)
            .select_related("customer", "last_contact").order_by("pk").first())


def next_entry(user, pk: int, now: dt.datetime | None = None) -> CallListEntry | None:
    """What the agent works on now: the call waiting for its outcome, else the next customer due (the preview)."""
    call_list = workable(user, pk)
    return in_hand(call_list, agent_of(user)) or due(call_list, user, now or timezone.now()).first()


def customer_local_time(customer: Customer, now: dt.datetime) -> dt.datetime:
    """The customer's clock, which the calling window is read on. Customers are kept with a province and city but
    no time zone, and China keeps one: a customer's time is the installation's (TIME_ZONE). A deployment across
    time zones gives customers a zone here, the one place the window reads it."""
    return timezone.localtime(now, timezone.get_default_timezone())


def call_entry(user, entry_id: int, now: dt.datetime | None = None) -> CallListEntry:
    """The agent calls this customer (their Call in preview, the next due in progressive), through click-to-dial
    with the list's purpose. Checked again first: a customer who may no longer be called is skipped with the
    reason (returned skipped); outside the calling window in the customer's time, or not yet due, refused."""
    agent = agent_of(user)
    now = now or timezone.now()
    with transaction.atomic():
        entry = (CallListEntry.objects.restrict(user).select_for_update(of=("self",))
                 .select_related("call_list", "customer")
                 .filter(pk=entry_id, customer__in=Customer.objects.restrict(user, "view")).first())
        if entry is None:
            raise Http404(_("No such record, or not one you may see."))
        _check_workable(entry)
        if entry.state != Entry.PENDING:
            raise ValidationError({"entry": _("%(customer)s is being called or done already")
                                            % {"customer": entry.customer}})
        if entry.next_attempt_at is not None and entry.next_attempt_at > now:
            raise ValidationError({"entry": _("%(customer)s is to be called again from %(when)s")
                                            % {"customer": entry.customer,
                                               "when": f"{timezone.localtime(entry.next_attempt_at):%Y-%m-%d %H:%M}"}})
        refused = refusals([entry.customer_id], entry.call_list.purpose).get(entry.customer_id)
        if refused:
            entry.state, entry.skip_reason = Entry.SKIPPED, refused
            entry.save(update_fields=["state", "skip_reason", "updated_at"])
            return entry
        start, end = settings.GUANXI_CALLING_HOURS
        if not start <= customer_local_time(entry.customer, now).hour < end:
            raise ValidationError({"entry": _("It is outside the calling hours (%(start)s:00 to %(end)s:00) where "
                                              "%(customer)s lives") % {"start": start, "end": end,
                                                                       "customer": entry.customer}})
        # taken for this agent and committed before the PBX is told to dial: the PBX's first event about the call
        # must find it, and no lock is held across the telephone system's answer
        entry.state, entry.agent = Entry.DIALLING, agent
        entry.save(update_fields=["state", "agent", "updated_at"])
    try:
        contact = voice.dial(user, entry.customer_id, entry.call_list.purpose, now)
    except Exception:
        CallListEntry.objects.filter(pk=entry.pk, state=Entry.DIALLING).update(state=Entry.PENDING, agent=None)
        raise
    entry.last_contact, entry.attempts, entry.next_attempt_at = contact, entry.attempts + 1, None
    entry.save(update_fields=["last_contact", "attempts", "next_attempt_at", "updated_at"])
    return entry


def _check_workable(entry: CallListEntry) -> None:
    if entry.call_list.state != CallList.State.ACTIVE:
        raise ValidationError({"call_list": _("Only an active list is worked")})


def skip_entry(user, entry_id: int) -> CallListEntry:
    """The agent passes over a customer in the preview (kept on the list as skipped by the agent)."""
    agent_of(user)
    with transaction.atomic():
        entry = (CallListEntry.objects.restrict(user).select_for_update(of=("self",)).select_related("call_list")
                 .filter(pk=entry_id, customer__in=Customer.objects.restrict(user, "view")).first())
        if entry is None:
            raise Http404(_("No such record, or not one you may see."))
        _check_workable(entry)
        if entry.state != Entry.PENDING:
            raise ValidationError({"entry": _("Only a customer waiting for a call can be skipped")})
        entry.state, entry.skip_reason = Entry.SKIPPED, Skip.BY_AGENT
        entry.save(update_fields=["state", "skip_reason", "updated_at"])
    return entry


@dataclasses.dataclass
class WrappedUp:
    entry: CallListEntry
    next_entry: CallListEntry | None = None  # progressive: the customer dialled next
    next_refused: str = ""  # progressive: why the next customer could not be dialled


def record_outcome(user, entry_id: int, code: str, notes: str = "", now: dt.datetime | None = None) -> WrappedUp:
    """The agent says what came of the call: the code goes on the entry, and "Outbound <list>: <outcome>" (and the
    notes) on the call's timeline entry, written as the agent; a call still in hand is finished as the desktop's
    Done would. No answer or busy: called again after the list's wait, failed once its attempts are spent.
    In progressive mode the next customer due is dialled at once."""
    agent = agent_of(user)
    now = now or timezone.now()
    if code not in outcomes():
        raise ValidationError({"outcome": _("“%(code)s” is not an outcome code (%(codes)s)")
                                          % {"code": code, "codes": ", ".join(outcomes())}})
    label, effect = outcomes()[code]
    with transaction.atomic():
        entry = (CallListEntry.objects.select_for_update(of=("self",)).select_related("call_list", "last_contact")
                 .filter(pk=entry_id, agent=agent, state=Entry.DIALLING).first())
        if entry is None:
            raise ValidationError({"entry": _already_settled(agent, entry_id)})
        summary = _("Outbound %(list)s: %(outcome)s") % {"list": entry.call_list, "outcome": label}
        summary = f"{summary}. {notes.strip()}" if notes.strip() else summary
        _write_to_timeline(agent, entry.last_contact, code, summary, now)
        if effect == "do_not_call":
            for phone in ContactPoint.objects.filter(customer_id=entry.customer_id, kind=ContactKind.PHONE,
                                                     opted_out=False):
                customer_services.set_opt_out(user, phone.pk, True)
        retry = effect == "retry" and entry.attempts < entry.call_list.max_attempts
        entry.state = (Entry.PENDING if retry else Entry.DONE if effect == "done" else Entry.FAILED)
        entry.next_attempt_at = now + dt.timedelta(minutes=entry.call_list.retry_minutes) if retry else None
        entry.outcome = code
        entry.save(update_fields=["state", "next_attempt_at", "outcome", "updated_at"])
    cc_services.end_after_call_work(agent.pk, now)  # the outcome is the call's wrap-up: the next call may come
    wrapped = WrappedUp(entry)
    if entry.call_list.mode == CallList.Mode.PROGRESSIVE and entry.call_list.state == CallList.State.ACTIVE:
        try:
            wrapped.next_entry = dial_next(user, entry.call_list_id, now)
        except ValidationError as exc:
            wrapped.next_refused = " ".join(exc.messages)
    if wrapped.next_entry is None:  # a line left free takes the next waiting contact, as after the desktop's Done
        agent.refresh_from_db()
        for channel in agent.capacity:
            voice.connect_offers(cc_services.dispatch_agent(agent, channel, now))
    return wrapped


def _already_settled(agent, entry_id: int) -> str:
    """Why an outcome cannot be recorded: most often the PBX ended the call unanswered and `settle_unanswered`
    recorded it a moment before the agent pressed a button, which the agent is told in those words."""
    settled = CallListEntry.objects.filter(pk=entry_id, agent=agent).exclude(outcome="").first()
    if settled is None or settled.outcome not in outcomes():
        return _("This is not a call of yours waiting for its outcome")
    return _("The outcome of this call is recorded already: %(outcome)s.") % {"outcome": outcomes()[settled.outcome][0]}


def settle_unanswered(event) -> None:
    """A list call the PBX ended before the customer picked up (voice.UNANSWERED) is recorded as not answered,
    as the agent would record it: called again after the list's wait, or failed once its attempts are spent, and
    in progressive mode the next customer is dialled. Without this, an agent who moved on left the customer
    "dialling" on the list for good. An installation without a "no_answer" outcome leaves it to the agent."""
    entry = (CallListEntry.objects.select_related("agent__user")
             .filter(last_contact_id=event.object_id, state=Entry.DIALLING).first())
    if entry is None or UNANSWERED_OUTCOME not in outcomes():
        return  # the agent said what came of it already
    record_outcome(entry.agent.user, entry.pk, UNANSWERED_OUTCOME,
                   now=dt.datetime.fromisoformat(event.payload["at"]))


def _write_to_timeline(agent: Agent, contact: QueuedContact | None, code: str, summary: str,
                       now: dt.datetime) -> None:
    """The outcome on the call: finished if still in the agent's hands (its slot frees up), else its timeline entry
    corrected; either way its COMPLETED line says what came of it, so the desktop does not ask for a wrap-up."""
    if contact is None:
        return
    if contact.state in QueuedContact.ACTIVE and contact.offered_to_id == agent.pk:
        cc_services.complete_contact(agent, contact.pk, summary, now)
    elif contact.interaction_id is not None:
        customer_services.update_interaction(agent.user, contact.interaction_id, {"summary": summary})
    line = ContactEvent.objects.filter(contact=contact, kind=ContactEvent.Kind.COMPLETED).order_by("-pk").first()
    if line is not None:
        line.data = {**line.data, "wrap_up": code}
        line.save(update_fields=["data"])


def dial_next(user, pk: int, now: dt.datetime | None = None) -> CallListEntry | None:
    """Progressive mode: the next customer due is dialled for an available agent; those found uncallable on the
    way are skipped with their reason. None when nobody is due."""
    now = now or timezone.now()
    call_list = workable(user, pk)
    agent = agent_of(user)
    if agent.state != Agent.State.AVAILABLE:
        raise ValidationError({"state": _("Set yourself available to take the next call")})
    if in_hand(call_list, agent) is not None:
        raise ValidationError({"entry": _("Say what came of your call first")})
    for _attempt in range(SKIPS_IN_A_ROW):
        entry = due(call_list, user, now).first()
        if entry is None:
            return None
        called = call_entry(user, entry.pk, now)
        if called.state == Entry.DIALLING:
            return called
    return None


# ---- reading a list --------------------------------------------------------------------------------------------


def progress(call_list: CallList, now: dt.datetime | None = None) -> dict:
    """Entries by state (with those due now), outcomes, and skip reasons: the supervisor's view of the list."""
    entries = call_list.entries.order_by()
    by_state = dict(entries.values_list("state").annotate(n=Count("pk")))
    by_outcome = dict(entries.exclude(outcome="").values_list("outcome").annotate(n=Count("pk")))
    by_reason = dict(entries.filter(state=Entry.SKIPPED).values_list("skip_reason").annotate(n=Count("pk")))
    due_now = entries.filter(state=Entry.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now or timezone.now())).count()
    return {
        "states": [(state, label, by_state.get(state, 0)) for state, label in Entry.choices],
        "total": sum(by_state.values()),
        "due": due_now,
        "outcomes": [(code, str(label), by_outcome.get(code, 0)) for code, (label, _effect) in outcomes().items()],
        "skipped": [(reason, label, by_reason[reason]) for reason, label in Skip.choices if reason in by_reason],
    }


def entries(user, pk: int, state: str = "", offset: int = 0, limit: int = ENTRIES_SHOWN) -> list[CallListEntry]:
    """The list's entries the user may see (their customers in the user's reach), newest change first."""
    call_list = get_restricted(user, CallList, pk)
    if state and state not in Entry.values:
        raise ValidationError({"state": _("“%(state)s” is not an entry state (%(states)s)")
                                        % {"state": state, "states": ", ".join(Entry.values)}})
    rows = (call_list.entries.filter(customer__in=Customer.objects.restrict(user, "view"))
            .select_related("customer", "agent__user").order_by("-updated_at", "-pk"))
    if state:
        rows = rows.filter(state=state)
    return list(rows[max(offset, 0):max(offset, 0) + min(max(limit, 1), ENTRIES_SHOWN)])
