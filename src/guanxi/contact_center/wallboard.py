"""The supervisor's wallboard: the floor as it is now and how today is going, from one function (`wallboard`) that
the page polls every few seconds and the API serves (GET /api/contact-center/wallboard), so both say the same.

A queue is a channel and the first skill its contacts ask for (kpis.queue_of, the figures page's queue, "general"
when none is asked). For each: the contacts waiting now and the longest wait, and today's offered, answered and
service level counted from the event log exactly as the figures page counts them (today: the local day so far).

The answer target is the routing policy's service-level target, else GUANXI_ANSWER_TARGET_SECONDS. Alerts:

* a queue where a contact has waited longer than the target;
* a queue whose service level today (answered within the target / answered) is below GUANXI_SERVICE_LEVEL_GOAL;
* an agent on a break longer than GUANXI_BREAK_ALERT_MINUTES, or in after-call work longer than
  GUANXI_WRAP_UP_ALERT_MINUTES.

Counts, channels and the agents' own state only: no customer is read, so no customer scope applies. The
"wallboard" permission's (supervisors and administrators), else PermissionDenied.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.contact_center import kpis, services
from guanxi.contact_center.models import Agent, ContactChannel, QueuedContact
from guanxi.core.scoping import require

# The order the agents are listed in: those who may need a word first, the logged-out last.
_STATE_ORDER = [Agent.State.BREAK, Agent.State.AFTER_CALL_WORK, Agent.State.BUSY, Agent.State.AVAILABLE,
                Agent.State.OFFLINE]


def clock(seconds: float | None) -> str:
    """A duration as a wallboard shows it: 0:45, 12:05, 1:02:05."""
    if seconds is None:
        return "–"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def wallboard(user, now: dt.datetime | None = None) -> dict[str, Any]:
    """The queues, the agents and the alerts at `now` (default: now); see the module docstring."""
    require(user, "contact_center.wallboard", "view")
    now = now or timezone.now()
    target = services.current_policy().service_level_target_seconds or settings.GUANXI_ANSWER_TARGET_SECONDS
    goal = settings.GUANXI_SERVICE_LEVEL_GOAL
    start, end = kpis.period(timezone.localdate(now))
    events = [event for event in kpis.read_events(start, end) if event.at <= now]
    queues = _queues(events, start, end, now, target, goal)
    agents = _agents(now)
    today = kpis.figures(events, start, end, by="channel", target_seconds=target)["total"]
    counts = defaultdict(int)
    for agent in agents:
        counts[agent["state"]] += 1
    return {
        "at": now,
        "target_seconds": target,
        "service_level_goal": goal,
        "waiting": sum(queue["waiting"] for queue in queues),
        "longest_wait_seconds": max((q["longest_wait_seconds"] or 0 for q in queues), default=0),
        "offered": today["offered"],
        "answered": today["answered"],
        "service_level": today["service_level"],
        "queues": queues,
        "states": [{"state": state, "label": str(label), "agents": counts[state]}
                   for state, label in Agent.State.choices],
        "agents": agents,
        "alerts": _alerts(queues, agents, target, goal),
        "limits": {"break_minutes": settings.GUANXI_BREAK_ALERT_MINUTES,
                   "wrap_up_minutes": settings.GUANXI_WRAP_UP_ALERT_MINUTES},
    }


def _queues(events: list[kpis.EventRow], start: dt.datetime, end: dt.datetime, now: dt.datetime,
            target: float, goal: float) -> list[dict[str, Any]]:
    waiting: dict[tuple[str, str], list] = defaultdict(lambda: [0, None])  # (channel, queue) -> [count, oldest]
    rows = (QueuedContact.objects.filter(state=QueuedContact.State.WAITING, arrival__lte=now).order_by()
            .values_list("channel", "requirement").annotate(count=Count("pk"), oldest=Min("arrival")))
    for channel, requirement, count, oldest in rows:
        group = waiting[(channel, kpis.queue_of(requirement))]
        group[0] += count
        group[1] = oldest if group[1] is None else min(group[1], oldest)
    by_channel: dict[str, list[kpis.EventRow]] = defaultdict(list)
    for event in events:
        by_channel[event.channel].append(event)
    today = {(channel, row["key"]): row for channel, rows_of in by_channel.items()
             for row in kpis.figures(rows_of, start, end, by="queue", target_seconds=target)["rows"]}
    queues = []
    for channel, queue in sorted(waiting.keys() | today.keys(), key=_queue_order):
        count, oldest = waiting.get((channel, queue), (0, None))
        figures = today.get((channel, queue), {})
        longest = (now - oldest).total_seconds() if oldest else None
        queues.append({
            "channel": channel,
            "queue": queue,
            "label": _queue_label(channel, queue),
            "waiting": count,
            "longest_wait_seconds": longest,
            "offered": figures.get("offered", 0),
            "answered": figures.get("answered", 0),
            "abandoned": figures.get("abandoned", 0),
            "service_level": figures.get("service_level"),
            "wait_alert": longest is not None and longest > target,
            "service_level_alert": figures.get("service_level") is not None and figures["service_level"] < goal,
        })
    return queues


def _queue_order(key: tuple[str, str]) -> tuple:
    channel, queue = key
    channels = list(ContactChannel.values)
    return (channels.index(channel) if channel in channels else len(channels), queue != kpis.GENERAL_QUEUE, queue)


def _queue_label(channel: str, queue: str) -> str:
    name = ContactChannel(channel).label if channel in ContactChannel.values else channel
    return f"{name} · {_('general') if queue == kpis.GENERAL_QUEUE else queue}"


def _agents(now: dt.datetime) -> list[dict[str, Any]]:
    in_hand = dict(QueuedContact.objects.filter(state__in=QueuedContact.ACTIVE, offered_to__isnull=False).order_by()
                   .values_list("offered_to").annotate(count=Count("pk")))
    agents = []
    for agent in Agent.objects.select_related("user"):
        since = agent.state_since
        seconds = max(0.0, (now - since).total_seconds()) if since else None
        limit = _limit_minutes(agent.state)
        agents.append({
            "id": agent.pk,
            "name": agent.user.get_full_name() or str(agent),
            "state": agent.state,
            "state_label": agent.get_state_display(),
            "since": since,
            "seconds_in_state": seconds,
            "contacts": in_hand.get(agent.pk, 0),
            "skills": dict(sorted(agent.skills.items())),
            "extension": agent.extension,
            "alert": limit is not None and seconds is not None and seconds > limit * 60,
        })
    agents.sort(key=lambda a: (_STATE_ORDER.index(a["state"]) if a["state"] in _STATE_ORDER else len(_STATE_ORDER),
                               -(a["seconds_in_state"] or 0), a["name"]))
    return agents


def _limit_minutes(state: str) -> int | None:
    """How long an agent may stay in `state` before the wallboard says so (None: as long as they like)."""
    return {Agent.State.BREAK: settings.GUANXI_BREAK_ALERT_MINUTES,
            Agent.State.AFTER_CALL_WORK: settings.GUANXI_WRAP_UP_ALERT_MINUTES}.get(state)


def _alerts(queues: list[dict], agents: list[dict], target: float, goal: float) -> list[dict[str, Any]]:
    alerts = []
    for queue in queues:
        if queue["wait_alert"]:
            alerts.append({"kind": "wait", "subject": queue["label"], "message": _(
                "%(queue)s: a contact has waited %(waited)s, over the %(target)s s target")
                % {"queue": queue["label"], "waited": clock(queue["longest_wait_seconds"]), "target": f"{target:g}"}})
        if queue["service_level_alert"]:
            alerts.append({"kind": "service_level", "subject": queue["label"], "message": _(
                "%(queue)s: %(level)s%% answered within %(target)s s today, below the %(goal)s%% goal")
                % {"queue": queue["label"], "level": f"{queue['service_level'] * 100:.0f}", "target": f"{target:g}",
                   "goal": f"{goal * 100:g}"}})
    for agent in agents:
        if agent["alert"]:
            message = (_("%(agent)s has been on a break for %(time)s (over %(minutes)s min)")
                       if agent["state"] == Agent.State.BREAK else
                       _("%(agent)s has been in after-call work for %(time)s (over %(minutes)s min)"))
            alerts.append({"kind": agent["state"], "subject": agent["name"], "message": message % {
                "agent": agent["name"], "time": clock(agent["seconds_in_state"]),
                "minutes": _limit_minutes(agent["state"])}})
    return alerts
