"""Head office's and the stations' service reports beside the service levels: open tickets by age
and type (what is piling up), first-contact resolution (solved with at most one answer and never
reopened: the seeds' "solve in one call"), and repeat repairs (the same car back with the same
labour within 30 days: a fix that did not hold). Each a grouped query over what the user may see."""

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.service.models import (
    OPEN_STATUSES,
    EntryKind,
    Job,
    TicketEntry,
    TicketKind,
    WorkKind,
    WorkOrder,
    WorkOrderStatus,
)

AGE_BANDS = ((0, 1), (1, 3), (3, 7), (7, None))  # days open
REPEAT_WINDOW = dt.timedelta(days=30)


def open_by_age(tickets, now=None) -> list[dict]:
    """Per ticket type (and its label in the reader's language), the open tickets in each age band
    (days since opened), youngest band first."""
    now = now or timezone.now()
    bands = {}
    for low, high in AGE_BANDS:
        band = Q(created_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            band &= Q(created_at__gt=now - dt.timedelta(days=high))
        bands[_band_name(low, high)] = Count("pk", filter=band)
    rows = tickets.filter(status__in=OPEN_STATUSES).order_by().values("kind").annotate(**bands).order_by("kind")
    labels = dict(TicketKind.choices)
    return [{"kind": row["kind"], "label": labels.get(row["kind"], row["kind"]),
             "counts": [row[name] for name in bands]} for row in rows]


def _band_name(low: int, high: int | None) -> str:
    return f"d{low}_{high}" if high is not None else f"d{low}_plus"


BAND_NAMES = [_band_name(low, high) for low, high in AGE_BANDS]
BAND_LABELS = [_("under a day"), _("1-3 days"), _("3-7 days"), _("over a week")]


def work_orders_in(work_orders, since=None, until=None, unit=None):
    """The work orders opened in the period at the unit (a report's ticket filters name them)."""
    if since:
        work_orders = work_orders.filter(created_at__date__gte=since)
    if until:
        work_orders = work_orders.filter(created_at__date__lte=until)
    return work_orders.filter(station=unit) if unit else work_orders


def first_contact_resolution(tickets) -> dict:
    """Of the resolved or closed tickets, how many were solved with at most one answer to the
    customer and never reopened."""
    replies = TicketEntry.objects.filter(ticket=OuterRef("pk"), kind=EntryKind.REPLY)
    second_reply = Exists(replies.order_by().values("pk")[1:2])
    done = tickets.filter(resolved_at__isnull=False)
    found = done.annotate(more_than_one=second_reply).aggregate(
        resolved=Count("pk"), first_contact=Count("pk", filter=Q(more_than_one=False, reopened=0)))
    share = round(100 * found["first_contact"] / found["resolved"], 1) if found["resolved"] else None
    return {**found, "share": share}


SHOWN_REPEATS = 50


def repeat_repairs(work_orders) -> tuple[int, list[WorkOrder]]:
    """How many repair work orders had their car back from a completed repair with one of the same
    labour codes in the 30 days before, and the latest SHOWN_REPEATS of them."""
    earlier = Job.objects.filter(
        work_order__vehicle=OuterRef("work_order__vehicle"), work_order__kind=WorkKind.REPAIR,
        work_order__status__in=(WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED),
        work_order__created_at__lt=OuterRef("work_order__created_at"),
        work_order__created_at__gte=OuterRef("work_order__created_at") - REPEAT_WINDOW,
        labour_code=OuterRef("labour_code"))
    repeated_jobs = Job.objects.filter(Exists(earlier), work_order=OuterRef("pk"))
    repeats = work_orders.filter(kind=WorkKind.REPAIR).filter(Exists(repeated_jobs))
    return repeats.count(), list(repeats.select_related("vehicle", "station", "customer")
                                 .order_by("-created_at")[:SHOWN_REPEATS])
