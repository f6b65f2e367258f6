"""The tickets' two service-level clocks: when the first response and the resolution fall due,
counted in the responsible unit's support hours (public holidays off, make-up working days on) or
around the clock; paused while the ticket waits on the customer, resumed with the time that was left.

The due times are stored on the ticket, so lists, the worker's sweep and the attainment report
compare plain timestamps; only opening, pausing, resuming and reopening compute with the calendar.
"""

import datetime as dt

from django.conf import settings

from guanxi.core.calendar import observing_public_calendar
from guanxi.core.working_hours import Hours, add_working_time, working_time_between
from guanxi.customers.models import Tier
from guanxi.service.models import SlaTarget, SupportHours, Ticket

DEFAULT_HOURS = Hours(opens=dt.time(8, 30), closes=dt.time(18))
# A target missing for a tier falls back to the standard tier's, then to this.
FALLBACK = SlaTarget(first_response_minutes=240, resolution_minutes=3 * 570)


def target_for(kind: str, tier: str) -> SlaTarget:
    targets = {row.tier: row for row in SlaTarget.objects.filter(kind=kind, tier__in=(tier, Tier.STANDARD))}
    return targets.get(tier) or targets.get(Tier.STANDARD) or FALLBACK


def hours_for(org_unit_id: int) -> Hours:
    row = SupportHours.objects.filter(org_unit_id=org_unit_id).first()
    if row is None:
        return observing_public_calendar(DEFAULT_HOURS)
    return observing_public_calendar(row.hours()) if row.observes_public_holidays else row.hours()


class Clock:
    """Adds and measures time the way a ticket's targets count it."""

    def __init__(self, ticket: Ticket, target: SlaTarget | None = None):
        self.target = target or target_for(ticket.kind, ticket.tier)
        self.hours = None if self.target.around_the_clock else hours_for(ticket.org_unit_id)

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        return start + duration if self.hours is None else add_working_time(start, duration, self.hours)

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        if end <= start:
            return dt.timedelta(0)
        return end - start if self.hours is None else working_time_between(start, end, self.hours)


def start(ticket: Ticket, now: dt.datetime) -> None:
    clock = Clock(ticket)
    ticket.first_response_due = clock.add(now, clock.target.first_response)
    ticket.resolution_due = clock.add(now, clock.target.resolution)


def restart_resolution(ticket: Ticket, now: dt.datetime) -> None:
    """A reopened ticket gets the whole resolution time again, warned and escalated afresh (an
    earlier miss is noted in its conversation)."""
    clock = Clock(ticket)
    ticket.resolution_due = clock.add(now, clock.target.resolution)
    ticket.warned_at = ticket.resolution_breached_at = None


def pause(ticket: Ticket, now: dt.datetime) -> None:
    """Keeps the working time left (none once overdue); a ticket without targets (imported) has no clock."""
    if ticket.waiting_since is None and ticket.resolution_due is not None:
        ticket.resolution_left = Clock(ticket).between(now, ticket.resolution_due)
        ticket.waiting_since = now


def resume(ticket: Ticket, now: dt.datetime) -> None:
    if ticket.waiting_since is not None:
        if ticket.resolution_left:
            ticket.resolution_due = Clock(ticket).add(now, ticket.resolution_left)
            ticket.warned_at = None  # a new due time: warned again before it
        ticket.resolution_left = None
        ticket.waiting_since = None


def warning_lead() -> dt.timedelta:
    """How long before the resolution falls due the assignee is warned."""
    return dt.timedelta(minutes=settings.GUANXI_TICKET_WARNING_MINUTES)
