"""Contact-center figures counted from the event log (models.ContactEvent) and the agents' state log
(models.AgentStateChange), for a period, by one dimension.

Two parts: `figures` and `agent_time` are the arithmetic, plain functions over rows (no database), so they can
be checked by hand; `contact_center_kpis` is what the page and the API call: it checks the permission and the
period, reads the period's events in one query (the agents' time in three more, the agents' names in another),
and hands them to `figures`.

Which contacts count: those that arrived in the period [start, end) (an inbound contact's "queued" event, an
outbound one's "dialled" event), with all their events, even those after the end (a call queued at 23:59
and answered at 00:01 is the first day's). A contact counts once, however often it was offered, declined,
lapsed or transferred.

Groups (`by`):

* interval: the interval (15, 30 or 60 minutes, local time) the contact arrived in; rows run from the first
  to the last interval with a contact or an agent logged in, empty intervals between them included;
* channel, tier: the contact's;
* agent: the agent who first answered it (a contact transferred on stays with the agent who answered it);
  contacts nobody answered (abandoned, still waiting, voicemail) are on the row without an agent;
* queue: the first (alphabetically) skill the contact's requirement asks for, "general" when it asks none.
  It is the requirement as it stands now: a call transferred to a skill's queue is counted in that queue.

The figures of each row, for inbound contacts (T is `target_seconds`, the wait is from queued to the event):

* offered: inbound contacts queued; answered: those with an "answered" event;
* short abandons: abandoned (the party hung up before any answer) after a wait of at most
  SHORT_ABANDON_SECONDS (5 s: a misdial or a caller who changed their mind, not a failure of the center);
  they are counted apart and left out of `abandoned`, of the abandonment rate and of the service levels;
* abandoned: abandoned after more than SHORT_ABANDON_SECONDS;
* service_level = answered within T / answered (the contacts answered in time among those answered);
* service_level_with_abandons = answered within T / (answered + abandoned after T): a caller who hung up
  after waiting longer than T counts as missed, one who hung up sooner counts neither way;
* asa_seconds (average speed of answer) = mean wait from queued to the first answer, over answered contacts;
* aht_seconds (average handle time) = talk + hold + wrap, over the answered contacts completed: from the first
  answer to "completed" (talk and hold: the caller is on the line throughout), plus, when the channel ended the
  contact before the agent's Done (the caller hung up, then the agent wrote the wrap-up), the time from that end
  to the Done ("wrapped");
* hold_seconds, wrap_seconds: the hold and wrap parts of it, averaged over the same contacts: hold from the PBX's
  "held" to "retrieved" (a hold still on at the end lasts until it), wrap as above (0 for a contact the agent's
  Done completed itself, the notes written while it was in hand);
* abandonment = abandoned / (offered - short abandons);
* transfer_rate = answered contacts with a "transferred" event / answered;
* contacts_per_hour = answered / the row's hours (an interval row: its length; any other row: the period's);
* outbound_dialled, outbound_answered: contacts an agent dialled out, and those the called party answered.

A rate whose denominator is 0 is None (shown empty), never 0 or 100 %.

The agents' time, for the rows by interval and by agent and the total (the other rows have none: an agent's
time is not split by channel, tier or queue). Counted from the agents' state log (models.AgentStateChange: a
state lasts until the agent's next change) and the event log, over the part of the period that has passed:

* logged in: time in any state but offline (available, busy, after-call work, a break);
* available: time in the available state, waiting for a contact, while not handling one;
* handling: time the agent held at least one contact: from their answer (a call they dialled: from the
  dialling; a call transferred to them: from the transfer) to its completion or their transferring it on,
  plus time in after-call work; contacts held at once (three chats) count once. A contact offered and still
  ringing is neither handling nor available. Only time logged in counts;
* occupancy = handling / (handling + available): how busy the agents were while they could take work;
* utilisation = handling / logged in: how much of the time they were logged in went to contacts (breaks
  lower it, not occupancy).

First-contact resolution, the usual proxy: an answered inbound contact of a known customer is resolved when the
customer does not come back (another inbound contact, on any channel) within FCR_WITHIN (7 days). Counted over the
answered contacts whose answer is known: those the customer came back after, and those whose seven days have
passed; the others are still open and left out, so today's figure is provisional and firms up over the week.

* first_contact_resolution = resolved / (answered contacts of known customers whose answer is known).

One day by interval, with a staffing plan saved for the day: the day beside the plan under "plan"
(staffing_plans.against_plan: forecast against offered, agents planned against logged in).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.contact_center import staffing_plans
from guanxi.contact_center.models import Agent, AgentStateChange, ContactChannel, ContactEvent, QueuedContact
from guanxi.core.scoping import require
from guanxi.customers.models import Direction, Tier
from guanxi.service.slots import Interval, merged

SHORT_ABANDON_SECONDS = 5.0
FCR_WITHIN = dt.timedelta(days=7)
MAX_DAYS = 31  # bounded work per request
DIMENSIONS = ("interval", "channel", "tier", "agent", "queue")
INTERVALS = (15, 30, 60)
GENERAL_QUEUE = "general"
NO_AGENT = ""

# the event kinds the figures read
_QUEUED, _DIALLED, _ANSWERED, _ABANDONED = "queued", "dialled", "answered", "abandoned"
_COMPLETED, _TRANSFERRED = "completed", "transferred"
_HELD, _RETRIEVED, _WRAPPED = "held", "retrieved", "wrapped"
# the agent states the agents' time reads (Agent.State)
_OFFLINE, _AVAILABLE, _AFTER_CALL_WORK = "offline", "available", "acw"
_TIME_FIGURES = ("handling_seconds", "available_seconds", "logged_in_seconds", "occupancy", "utilisation")


@dataclass(frozen=True)
class EventRow:
    """One event of the log with what the grouping needs of its contact (a plain row, as the query reads it)."""

    contact: int
    kind: str
    at: dt.datetime
    agent: int | None
    channel: str
    direction: str  # customers.models.Direction
    tier: str
    queue: str


@dataclass
class _Contact:
    inbound: bool
    channel: str
    tier: str
    queue: str
    arrived: dt.datetime | None = None
    answered: dt.datetime | None = None
    answered_by: int | None = None
    completed: dt.datetime | None = None
    abandoned: dt.datetime | None = None
    transferred: bool = False
    id: int = 0
    held_since: dt.datetime | None = None
    hold_seconds: float = 0.0
    wrapped: dt.datetime | None = None

    def hold_until(self, at: dt.datetime) -> None:
        if self.held_since is not None:
            self.hold_seconds += (at - self.held_since).total_seconds()
            self.held_since = None

    @property
    def wrap_seconds(self) -> float:
        return max(0.0, (self.wrapped - self.completed).total_seconds()) if self.wrapped and self.completed else 0.0

    @property
    def handle_seconds(self) -> float:
        return (self.completed - self.answered).total_seconds() + self.wrap_seconds


def _contacts(events: list[EventRow]) -> list[_Contact]:
    """Each contact's facts from its events, read in time order (first answer, last completion)."""
    contacts: dict[int, _Contact] = {}
    for event in sorted(events, key=lambda e: e.at):
        contact = contacts.setdefault(event.contact, _Contact(
            event.direction == Direction.INBOUND, event.channel, event.tier, event.queue, id=event.contact))
        if event.kind in (_QUEUED, _DIALLED) and contact.arrived is None:
            contact.arrived = event.at
        elif event.kind == _ANSWERED and contact.answered is None:
            contact.answered, contact.answered_by = event.at, event.agent
        elif event.kind == _COMPLETED:
            contact.completed = event.at
            contact.hold_until(event.at)
        elif event.kind == _HELD and contact.held_since is None:
            contact.held_since = event.at
        elif event.kind == _RETRIEVED:
            contact.hold_until(event.at)
        elif event.kind == _WRAPPED:
            contact.wrapped = event.at
        elif event.kind == _ABANDONED and contact.answered is None:
            contact.abandoned = event.at
        elif event.kind == _TRANSFERRED:
            contact.transferred = True
    return [contact for contact in contacts.values() if contact.arrived is not None]


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _row(contacts: list[_Contact], hours: float, target_seconds: float, came_back: dict[int, bool]) -> dict[str, Any]:
    inbound = [c for c in contacts if c.inbound]
    answered = [c for c in inbound if c.answered is not None]
    known = [c.id for c in answered if c.id in came_back]
    waits = [(c.answered - c.arrived).total_seconds() for c in answered]
    gone = [(c.abandoned - c.arrived).total_seconds() for c in inbound if c.abandoned is not None]
    short = sum(1 for wait in gone if wait <= SHORT_ABANDON_SECONDS)
    abandoned = len(gone) - short
    in_time = sum(1 for wait in waits if wait <= target_seconds)
    outbound = [c for c in contacts if not c.inbound]
    handled = [c for c in answered if c.completed]
    return {
        "offered": len(inbound),
        "answered": len(answered),
        "answered_in_time": in_time,
        "abandoned": abandoned,
        "short_abandoned": short,
        "service_level": _ratio(in_time, len(answered)),
        "service_level_with_abandons": _ratio(  # short abandons count neither way, whatever the target
            in_time, len(answered) + sum(1 for w in gone if w > max(target_seconds, SHORT_ABANDON_SECONDS))),
        "asa_seconds": _mean(waits),
        "aht_seconds": _mean([c.handle_seconds for c in handled]),
        "hold_seconds": _mean([c.hold_seconds for c in handled]),
        "wrap_seconds": _mean([c.wrap_seconds for c in handled]),
        "abandonment": _ratio(abandoned, len(inbound) - short),
        "transfer_rate": _ratio(sum(1 for c in answered if c.transferred), len(answered)),
        "first_contact_resolution": _ratio(sum(1 for pk in known if not came_back[pk]), len(known)),
        "contacts_per_hour": _ratio(len(answered), hours),
        "outbound_dialled": len(outbound),
        "outbound_answered": sum(1 for c in outbound if c.answered is not None),
    }


def figures(events: list[EventRow], start: dt.datetime, end: dt.datetime, by: str = "interval",
            interval_minutes: int = 30, target_seconds: float = 20,
            agents: dict[int, AgentTime] | None = None, came_back: dict[int, bool] | None = None) -> dict[str, Any]:
    """The figures of the contacts in `events` and of the agents' time in `agents` (`agent_time`; see the module
    docstring), one row per group of `by` and the total; `came_back` (`customer_returns`) says which contacts the
    customer came back after. Rows: {"key": the group (an interval's start as an aware datetime in `start`'s time
    zone, else a name or id), ...figures}; sorted by key."""
    agents, came_back = agents or {}, came_back or {}
    contacts = _contacts(events)
    period_hours = (end - start).total_seconds() / 3600
    groups: dict[Any, list[_Contact]] = defaultdict(list)
    if by == "interval":
        step = dt.timedelta(minutes=interval_minutes)
        for contact in contacts:
            groups[start + step * ((contact.arrived - start) // step)].append(contact)
        spread = _spread_time(agents.values(), start, step)
        for key in spread:
            groups.setdefault(key, [])
        if groups:
            first, last = min(groups), max(groups)
            for i in range((last - first) // step + 1):
                groups.setdefault(first + i * step, [])
        rows = [{"key": key, **_row(groups[key], interval_minutes / 60, target_seconds, came_back),
                 **_time_row(*spread.get(key, (0.0, 0.0, 0.0)))} for key in sorted(groups)]
    else:
        for contact in contacts:
            groups[_key(contact, by)].append(contact)
        if by == "agent":
            for agent in agents:
                groups.setdefault(agent, [])
        rows = [{"key": key, **_row(groups[key], period_hours, target_seconds, came_back), **_time_of(key, by, agents)}
                for key in sorted(groups, key=lambda k: (k == NO_AGENT, str(k)))]
    total = [sum(parts) for parts in zip((0.0, 0.0, 0.0), *(time.seconds() for time in agents.values()))]
    return {"rows": rows, "total": _row(contacts, period_hours, target_seconds, came_back) | _time_row(*total)}


def customer_returns(arrivals: Iterable[tuple[int, int, dt.datetime]], now: dt.datetime,
              within: dt.timedelta = FCR_WITHIN) -> dict[int, bool]:
    """Of inbound contacts of known customers, (contact, customer, arrival): True where the customer came back
    (another inbound contact) within `within`, False where that long has passed without; a contact whose time is
    not yet up and after which nothing came yet is left out (not known yet)."""
    by_customer: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for contact, customer, arrival in arrivals:
        by_customer[customer].append((arrival, contact))
    known = {}
    for visits in by_customer.values():
        visits.sort()
        for (arrival, contact), following in zip(visits, [*visits[1:], None], strict=True):
            if following is not None and following[0] - arrival <= within:
                known[contact] = True
            elif arrival + within <= now:
                known[contact] = False
    return known


def _time_of(key, by: str, agents: dict[int, AgentTime]) -> dict[str, Any]:
    """A row's agent-time figures: an agent's own (none logged: zero), nobody's for the other groups."""
    if by != "agent" or key == NO_AGENT:
        return dict.fromkeys(_TIME_FIGURES)
    return _time_row(*(agents[key].seconds() if key in agents else (0.0, 0.0, 0.0)))


def _key(contact: _Contact, by: str):
    if by == "agent":
        return NO_AGENT if contact.answered_by is None else contact.answered_by
    return {"channel": contact.channel, "tier": contact.tier, "queue": contact.queue}[by]


# ---- the agents' time -----------------------------------------------------------------------------------

Span = Interval  # [start, end)


@dataclass(frozen=True)
class StateRow:
    """An agent entering a state (models.AgentStateChange), as the query reads it."""

    agent: int
    state: str
    at: dt.datetime


@dataclass(frozen=True)
class HandlingRow:
    """An event that starts or ends an agent's hold on a contact: answered, dialled, transferred (to `to_agent`,
    the agent at the extension it went to; None for a queue), completed."""

    contact: int
    kind: str
    at: dt.datetime
    agent: int | None
    to_agent: int | None = None


@dataclass
class AgentTime:
    """One agent's time in the period as disjoint, sorted spans: handling, handling or available, logged in."""

    handling: list[Span] = field(default_factory=list)
    engaged: list[Span] = field(default_factory=list)
    logged_in: list[Span] = field(default_factory=list)

    def seconds(self) -> tuple[float, float, float]:
        return _seconds(self.handling), _seconds(self.engaged), _seconds(self.logged_in)


def _union(spans: Iterable[Span]) -> list[Span]:
    """Disjoint and sorted (the bookings' `merged`), leaving out the spans clipping emptied."""
    return merged(span for span in spans if span[0] < span[1])


def _intersection(some: list[Span], others: list[Span]) -> list[Span]:
    """Of two lists of disjoint sorted spans, the time in both."""
    both, i, j = [], 0, 0
    while i < len(some) and j < len(others):
        begin, finish = max(some[i][0], others[j][0]), min(some[i][1], others[j][1])
        if begin < finish:
            both.append((begin, finish))
        if some[i][1] < others[j][1]:
            i += 1
        else:
            j += 1
    return both


def _seconds(spans: list[Span]) -> float:
    return sum((finish - begin).total_seconds() for begin, finish in spans)


def agent_time(states: list[StateRow], handling: list[HandlingRow], start: dt.datetime,
               until: dt.datetime) -> dict[int, AgentTime]:
    """Each agent's time in [start, until) (see the module docstring). `states` holds the row in force at `start`
    (at `start` or before) and those after; a state lasts until the agent's next row, the last one until `until`.
    `handling` holds the events of every contact held in the period, in time order."""
    in_state: dict[int, dict[str, list[Span]]] = defaultdict(lambda: defaultdict(list))
    by_agent: dict[int, list[StateRow]] = defaultdict(list)
    for row in sorted(states, key=lambda r: r.at):
        by_agent[row.agent].append(row)
    for agent, rows in by_agent.items():
        for row, following in zip(rows, [*rows[1:], None], strict=True):
            span = (max(row.at, start), min(until, following.at) if following else until)
            in_state[agent][row.state].append(span)
    held = _held(handling, start, until)
    times = {}
    for agent in by_agent.keys() | held.keys():
        states_of = in_state[agent]
        logged_in = _union(span for state, spans in states_of.items() if state != _OFFLINE for span in spans)
        busy = _intersection(_union([*held.get(agent, []), *states_of[_AFTER_CALL_WORK]]), logged_in)
        times[agent] = AgentTime(busy, _union([*busy, *states_of[_AVAILABLE]]), logged_in)
    return times


def _held(handling: list[HandlingRow], start: dt.datetime, until: dt.datetime) -> dict[int, list[Span]]:
    """Each agent's spans holding contacts, clipped to [start, until): a contact's holder changes on its answer,
    its dialling and its transfers, and nobody holds it once completed."""
    holders: dict[int, dict[int, dt.datetime]] = defaultdict(dict)  # contact -> agent -> since
    spans: dict[int, list[Span]] = defaultdict(list)

    def let_go(contact: int, agent: int | None, at: dt.datetime) -> None:
        since = holders[contact].pop(agent, None)
        if since is not None:
            spans[agent].append((max(since, start), min(at, until)))

    for row in handling:
        if row.kind in (_ANSWERED, _DIALLED) and row.agent is not None:
            holders[row.contact].setdefault(row.agent, row.at)
        elif row.kind == _TRANSFERRED:
            let_go(row.contact, row.agent, row.at)
            if row.to_agent is not None:
                holders[row.contact].setdefault(row.to_agent, row.at)
        elif row.kind == _COMPLETED:
            for agent in list(holders[row.contact]):
                let_go(row.contact, agent, row.at)
    for contact, held in holders.items():
        for agent in list(held):
            let_go(contact, agent, until)
    return spans


def _spread_time(times: Iterable[AgentTime], start: dt.datetime,
                 step: dt.timedelta) -> dict[dt.datetime, tuple[float, float, float]]:
    """The agents' handling, engaged and logged-in seconds per interval of `step` from `start`, for the intervals
    anyone was logged in."""
    buckets: dict[dt.datetime, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for time in times:
        for part, spans in enumerate((time.handling, time.engaged, time.logged_in)):
            for begin, finish in spans:
                i = (begin - start) // step
                while start + i * step < finish:
                    low, high = max(begin, start + i * step), min(finish, start + (i + 1) * step)
                    if low < high:
                        buckets[start + i * step][part] += (high - low).total_seconds()
                    i += 1
    return {key: (parts[0], parts[1], parts[2]) for key, parts in buckets.items()}


def _time_row(handling: float, engaged: float, logged_in: float) -> dict[str, Any]:
    return {"handling_seconds": handling, "available_seconds": engaged - handling, "logged_in_seconds": logged_in,
            "occupancy": _ratio(handling, engaged), "utilisation": _ratio(handling, logged_in)}


def queue_of(requirement: Any) -> str:
    """A contact's queue: the first skill its requirement asks for (alphabetically), else "general"."""
    skills = (requirement or {}).get("skills") if isinstance(requirement, dict) else None
    return min(skills) if isinstance(skills, dict) and skills else GENERAL_QUEUE


# ---- what the page and the API call ------------------------------------------------------------------------


def period(day: dt.date, days: int = 1) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of `days` local days from `day` (the time zone the request is shown in), refused above MAX_DAYS."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": _("A period of 1 to %(max)s days, got %(days)s")
                                       % {"max": MAX_DAYS, "days": days}})
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(0), tzinfo=zone)
    return start, end


def read_events(start: dt.datetime, end: dt.datetime) -> list[EventRow]:
    """The events of the contacts that arrived in [start, end), in one query."""
    kinds = (_QUEUED, _DIALLED, _ANSWERED, _ABANDONED, _COMPLETED, _TRANSFERRED, _HELD, _RETRIEVED, _WRAPPED)
    rows = (ContactEvent.objects.filter(contact__arrival__gte=start, contact__arrival__lt=end, kind__in=kinds)
            .order_by().values_list("contact_id", "kind", "at", "agent_id", "contact__channel",
                                    "contact__direction", "contact__tier", "contact__requirement"))
    return [EventRow(contact, kind, at, agent, channel, direction, tier, queue_of(requirement))
            for contact, kind, at, agent, channel, direction, tier, requirement in rows.iterator(chunk_size=5000)]


def read_returns(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> dict[int, bool]:
    """`customer_returns` for the inbound contacts of known customers that arrived in [start, end), in one query (the
    contacts of the FCR_WITHIN after `end` read too, as the returns they may be)."""
    arrivals = (QueuedContact.objects.filter(arrival__gte=start, arrival__lt=end + FCR_WITHIN,
                                             direction=Direction.INBOUND, customer__isnull=False)
                .order_by().values_list("pk", "customer_id", "arrival"))
    return customer_returns(arrivals.iterator(chunk_size=5000), now)


def read_agent_time(start: dt.datetime, until: dt.datetime) -> dict[int, AgentTime]:
    """The agents' time in [start, until) from the state log and the event log, in three queries: the state each
    agent was in at `start`, the changes after it, and the hold events of the contacts alive in the period."""
    in_force = AgentStateChange.objects.filter(agent=OuterRef("pk"), at__lte=start).order_by("-at", "-pk")
    opening = (Agent.objects.annotate(opening=Subquery(in_force.values("state")[:1]))
               .filter(opening__isnull=False).values_list("pk", "opening"))
    states = [StateRow(agent, state, start) for agent, state in opening]
    states += [StateRow(*row) for row in AgentStateChange.objects.filter(at__gt=start, at__lt=until)
               .order_by("at", "pk").values_list("agent_id", "state", "at").iterator(chunk_size=5000)]
    alive = Q(contact__arrival__lt=until) & (Q(contact__ended_at__gte=start) | Q(contact__ended_at__isnull=True))
    handling = [HandlingRow(*row) for row in ContactEvent.objects
                .filter(alive, kind__in=(_ANSWERED, _DIALLED, _TRANSFERRED, _COMPLETED), at__lt=until)
                .order_by("at", "pk").values_list("contact_id", "kind", "at", "agent_id", "data__to_agent")
                .iterator(chunk_size=5000)]
    return agent_time(states, handling, start, until)


def contact_center_kpis(user, day: dt.date | None = None, days: int = 1, by: str = "interval",
                        interval_minutes: int = 30, target_seconds: float = 20) -> dict[str, Any]:
    """The figures for `days` local days from `day` (default: today; the agents' time up to now), by `by`;
    supervisors, analysts and administrators (the "staffing" permission, else PermissionDenied). Bad input is a
    ValidationError naming the field. Each row gets a "label" (an interval's local start, an agent's name, the
    channel's or tier's name, the queue's skill)."""
    require(user, "contact_center.staffing", "view")
    if by not in DIMENSIONS:
        raise ValidationError({"by": _("Group by one of: %(choices)s") % {"choices": ", ".join(DIMENSIONS)}})
    if interval_minutes not in INTERVALS:
        raise ValidationError({"interval_minutes": _("Intervals of 15, 30 or 60 minutes")})
    if isinstance(target_seconds, bool) or not isinstance(target_seconds, int | float) or \
            not 0 <= target_seconds <= 3600:
        raise ValidationError({"target_seconds": _("A target of 0 to 3600 seconds")})
    start, end = period(day or timezone.localdate(), days)
    now = timezone.now()
    times = read_agent_time(start, min(end, now))
    result = figures(read_events(start, end), start, end, by, interval_minutes, target_seconds, times,
                     read_returns(start, end, now))
    names = {}
    if by == "agent":
        ids = [row["key"] for row in result["rows"] if row["key"] != NO_AGENT]
        names = {agent.pk: str(agent) for agent in Agent.objects.filter(pk__in=ids).select_related("user")}
    for row in result["rows"]:
        row["label"] = _label(row["key"], by, names, days)
    return result | {"start": start, "end": end, "by": by, "interval_minutes": interval_minutes,
                     "target_seconds": target_seconds,
                     "plan": _against_the_plan(result["rows"], start, by, days, interval_minutes, now)}


def _against_the_plan(rows: list[dict], start: dt.datetime, by: str, days: int, interval_minutes: int,
                      now: dt.datetime):
    """A one-day view by interval, with a plan saved for the day: the day beside it (staffing_plans.against_plan),
    each row labelled, and who saved the plan when; else None."""
    if by != "interval" or days != 1:
        return None
    plan = staffing_plans.plan_for(timezone.localdate(start))
    if plan is None:
        return None
    compared = staffing_plans.against_plan(plan, rows, start, interval_minutes, now)
    for row in compared["rows"]:
        row["label"] = _label(row["key"], by, {}, days)
    return compared | {"saved_at": plan.saved_at, "saved_by": str(plan.saved_by or ""), "note": plan.note}


def _label(key, by: str, names: dict, days: int) -> str:
    if by == "interval":
        return timezone.localtime(key).strftime("%H:%M" if days == 1 else "%m-%d %H:%M")
    if by == "agent":
        return _("(not answered)") if key == NO_AGENT else names.get(key, f"#{key}")
    if by == "channel" and key in ContactChannel.values:
        return str(ContactChannel(key).label)
    if by == "tier" and key in Tier.values:
        return str(Tier(key).label)
    return str(key)
