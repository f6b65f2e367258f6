"""Contact-center figures counted from the event log (models.ContactEvent), for a period, by one dimension.

Two parts: `figures` is the arithmetic, a plain function over event rows (no database), so it can be checked
by hand; `contact_center_kpis` is what the page and the API call: it checks the permission and the period,
reads the period's events in one query (and the agents' names in a second), and hands them to `figures`.

Which contacts count: those that arrived in the period [start, end) (an inbound contact's "queued" event, an
outbound one's "dialled" event), with all their events, even those after the end (a call queued at 23:59
and answered at 00:01 is the first day's). A contact counts once, however often it was offered, declined,
lapsed or transferred.

Groups (`by`):

* interval: the interval (15, 30 or 60 minutes, local time) the contact arrived in; rows run from the first
  to the last interval with a contact, empty intervals between them included;
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
* aht_seconds (average handle time) = mean time from the first answer to "completed", over the answered
  contacts completed. It is talk time only: the event log has no hold or after-call-work (wrap) states yet,
  so the hold and wrap parts of the usual talk + hold + wrap are not in it;
* abandonment = abandoned / (offered - short abandons);
* transfer_rate = answered contacts with a "transferred" event / answered;
* contacts_per_hour = answered / the row's hours (an interval row: its length; any other row: the period's);
* outbound_dialled, outbound_answered: contacts an agent dialled out, and those the called party answered.

A rate whose denominator is 0 is None (shown empty), never 0 or 100 %.

Not here yet, because the data for them is not recorded: occupancy and utilisation need the agents' state
history (logged-in, available, busy, after-call work over time), which nothing writes yet; first-contact
resolution needs a rule for what resolves a contact (no repeat contact from the same customer within N days
is the usual proxy) and is left for the next step.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.contact_center.models import Agent, ContactChannel, ContactEvent
from guanxi.core.scoping import require
from guanxi.customers.models import Direction, Tier

SHORT_ABANDON_SECONDS = 5.0
MAX_DAYS = 31  # bounded work per request
DIMENSIONS = ("interval", "channel", "tier", "agent", "queue")
INTERVALS = (15, 30, 60)
GENERAL_QUEUE = "general"
NO_AGENT = ""

# the event kinds the figures read
_QUEUED, _DIALLED, _ANSWERED, _ABANDONED = "queued", "dialled", "answered", "abandoned"
_COMPLETED, _TRANSFERRED = "completed", "transferred"


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


def _contacts(events: list[EventRow]) -> list[_Contact]:
    """Each contact's facts from its events, read in time order (first answer, last completion)."""
    contacts: dict[int, _Contact] = {}
    for event in sorted(events, key=lambda e: e.at):
        contact = contacts.setdefault(event.contact, _Contact(
            event.direction == Direction.INBOUND, event.channel, event.tier, event.queue))
        if event.kind in (_QUEUED, _DIALLED) and contact.arrived is None:
            contact.arrived = event.at
        elif event.kind == _ANSWERED and contact.answered is None:
            contact.answered, contact.answered_by = event.at, event.agent
        elif event.kind == _COMPLETED:
            contact.completed = event.at
        elif event.kind == _ABANDONED and contact.answered is None:
            contact.abandoned = event.at
        elif event.kind == _TRANSFERRED:
            contact.transferred = True
    return [contact for contact in contacts.values() if contact.arrived is not None]


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _row(contacts: list[_Contact], hours: float, target_seconds: float) -> dict[str, Any]:
    inbound = [c for c in contacts if c.inbound]
    answered = [c for c in inbound if c.answered is not None]
    waits = [(c.answered - c.arrived).total_seconds() for c in answered]
    gone = [(c.abandoned - c.arrived).total_seconds() for c in inbound if c.abandoned is not None]
    short = sum(1 for wait in gone if wait <= SHORT_ABANDON_SECONDS)
    abandoned = len(gone) - short
    in_time = sum(1 for wait in waits if wait <= target_seconds)
    outbound = [c for c in contacts if not c.inbound]
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
        "aht_seconds": _mean([(c.completed - c.answered).total_seconds() for c in answered if c.completed]),
        "abandonment": _ratio(abandoned, len(inbound) - short),
        "transfer_rate": _ratio(sum(1 for c in answered if c.transferred), len(answered)),
        "contacts_per_hour": _ratio(len(answered), hours),
        "outbound_dialled": len(outbound),
        "outbound_answered": sum(1 for c in outbound if c.answered is not None),
    }


def figures(events: list[EventRow], start: dt.datetime, end: dt.datetime, by: str = "interval",
            interval_minutes: int = 30, target_seconds: float = 20) -> dict[str, Any]:
    """The figures of the contacts in `events` (see the module docstring), one row per group of `by` and the
    total. Rows: {"key": the group (an interval's start as an aware datetime in `start`'s time zone, else a
    name or id), ...figures}; sorted by key."""
    contacts = _contacts(events)
    period_hours = (end - start).total_seconds() / 3600
    groups: dict[Any, list[_Contact]] = defaultdict(list)
    if by == "interval":
        step = dt.timedelta(minutes=interval_minutes)
        for contact in contacts:
            groups[start + step * ((contact.arrived - start) // step)].append(contact)
        if groups:
            first, last = min(groups), max(groups)
            for i in range((last - first) // step + 1):
                groups.setdefault(first + i * step, [])
        rows = [{"key": key, **_row(groups[key], interval_minutes / 60, target_seconds)} for key in sorted(groups)]
    else:
        for contact in contacts:
            groups[_key(contact, by)].append(contact)
        rows = [{"key": key, **_row(groups[key], period_hours, target_seconds)}
                for key in sorted(groups, key=lambda k: (k == NO_AGENT, str(k)))]
    return {"rows": rows, "total": _row(contacts, period_hours, target_seconds)}


def _key(contact: _Contact, by: str):
    if by == "agent":
        return NO_AGENT if contact.answered_by is None else contact.answered_by
    return {"channel": contact.channel, "tier": contact.tier, "queue": contact.queue}[by]


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


def contact_center_kpis(user, day: dt.date | None = None, days: int = 1, by: str = "interval",
                        interval_minutes: int = 30, target_seconds: float = 20) -> dict[str, Any]:
    """The figures for `days` local days from `day` (default: today), by `by`; supervisors, analysts and
    administrators (the "staffing" permission, else PermissionDenied). Bad input is a ValidationError naming
    the field. Each row gets a "label" (an interval's local start, an agent's name, the channel's or tier's name,
    the queue's skill)."""
    require(user, "contact_center.staffing", "view")
    if by not in DIMENSIONS:
        raise ValidationError({"by": _("Group by one of: %(choices)s") % {"choices": ", ".join(DIMENSIONS)}})
    if interval_minutes not in INTERVALS:
        raise ValidationError({"interval_minutes": _("Intervals of 15, 30 or 60 minutes")})
    if isinstance(target_seconds, bool) or not isinstance(target_seconds, int | float) or \
            not 0 <= target_seconds <= 3600:
        raise ValidationError({"target_seconds": _("A target of 0 to 3600 seconds")})
    start, end = period(day or timezone.localdate(), days)
    kinds = (_QUEUED, _DIALLED, _ANSWERED, _ABANDONED, _COMPLETED, _TRANSFERRED)
    rows = (ContactEvent.objects.filter(contact__arrival__gte=start, contact__arrival__lt=end, kind__in=kinds)
            .order_by().values_list("contact_id", "kind", "at", "agent_id", "contact__channel",
                                    "contact__direction", "contact__tier", "contact__requirement"))
    events = [EventRow(contact, kind, at, agent, channel, direction, tier, queue_of(requirement))
              for contact, kind, at, agent, channel, direction, tier, requirement in rows.iterator(chunk_size=5000)]
    result = figures(events, start, end, by, interval_minutes, target_seconds)
    names = {}
    if by == "agent":
        ids = [row["key"] for row in result["rows"] if row["key"] != NO_AGENT]
        names = {agent.pk: str(agent) for agent in Agent.objects.filter(pk__in=ids).select_related("user")}
    for row in result["rows"]:
        row["label"] = _label(row["key"], by, names, days)
    return result | {"start": start, "end": end, "by": by, "interval_minutes": interval_minutes,
                     "target_seconds": target_seconds}


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
