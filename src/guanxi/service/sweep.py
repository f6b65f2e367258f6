"""The worker's minute: tickets whose first response or resolution falls due are marked and their
people told (warned an hour before, escalated on breach, one step up in priority), and resolved
tickets the customer did not reopen within a week are closed.

Work in batches of BATCH tickets: one locking read (rows another worker holds are skipped), one
UPDATE, one INSERT of their events. A mark is written only where it is still unset, so two
workers, or a sweep beside a person resolving the ticket, never notify twice. The due tickets are
found through partial indexes on the due times: a sweep over a million open tickets reads only
the ones due.
"""

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from guanxi.core.outbox import emit_many
from guanxi.service import sla
from guanxi.service.models import OPEN_STATUSES, RUNNING_STATUSES, Priority, Ticket, TicketStatus
from guanxi.service.tickets import close_now

BATCH = 1000
ESCALATED = Case(When(priority=Priority.LOW, then=Value(Priority.NORMAL)),
                 When(priority=Priority.NORMAL, then=Value(Priority.HIGH)), default=Value(Priority.URGENT))


def _locked(rows):
    """A batch of the rows, locked for this worker; another worker's are skipped (PostgreSQL).
    SQLite has one writer at a time (IMMEDIATE transactions), so it needs no lock."""
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return list(rows.order_by().values_list("pk", "org_unit_id", "assignee_id")[:BATCH])


def _mark(due, field: str, now, event: str, actor, escalate: bool = False) -> int:
    marked = 0
    while True:
        with transaction.atomic():
            batch = _locked(due.filter(**{f"{field}__isnull": True}))
            if not batch:
                return marked
            changes = {field: now, **({"priority": ESCALATED} if escalate else {})}
            Ticket.objects.filter(pk__in=[pk for pk, _unit, _assignee in batch]).update(**changes)
            emit_many([(event, Ticket(pk=pk), {"org_unit_id": unit, "assignee_id": assignee})
                       for pk, unit, assignee in batch], actor)
        marked += len(batch)
        if len(batch) < BATCH:
            return marked


def sweep(actor, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    running = Ticket.objects.filter(status__in=RUNNING_STATUSES, resolution_breached_at__isnull=True)
    done = {
        "response_overdue": _mark(
            open_tickets.filter(first_responded_at__isnull=True, first_response_due__lte=now),
            "response_breached_at", now, "service.ticket.response_overdue", actor, escalate=True),
        "overdue": _mark(running.filter(resolution_due__lte=now), "resolution_breached_at", now,
                         "service.ticket.overdue", actor, escalate=True),
        "due_soon": _mark(running.filter(resolution_due__lte=now + sla.warning_lead()), "warned_at", now,
                          "service.ticket.due_soon", actor),
    }
    stale = now - dt.timedelta(days=settings.GUANXI_TICKET_CLOSE_AFTER_DAYS)
    closed = 0
    for pk in Ticket.objects.filter(status=TicketStatus.RESOLVED, resolved_at__lte=stale).values_list("pk", flat=True)[
            :BATCH]:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update(of=("self",)).filter(pk=pk, status=TicketStatus.RESOLVED).first()
            if ticket is not None:
                close_now(ticket, actor)
                closed += 1
    done["closed"] = closed
    return done
