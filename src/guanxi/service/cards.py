"""The service card of the customer 360 page (the customer's open tickets the user may see, the
soonest due first, the latest closed ones, a link to open a ticket) and the home page's ticket
queue."""

from django.db.models import Case, Q, When
from django.utils import timezone

from guanxi.core.scoping import may
from guanxi.service.models import OPEN_STATUSES, RUNNING_STATUSES, Survey, SurveyState, Ticket

SHOWN = 3


def service_card(user, customer) -> dict | None:
    may_add = customer.erased_at is None and may(user, Ticket.permission_key, "add")
    open_first = Case(When(status__in=OPEN_STATUSES, then=0), default=1)
    rows = list(Ticket.objects.restrict(user).filter(customer=customer).select_related("org_unit")
                .order_by(open_first, "-id")[:2 * SHOWN])  # one query for both lists
    open_tickets = sorted((row for row in rows if row.is_open), key=lambda row: (row.resolution_due is None,
                                                                                  row.resolution_due))[:SHOWN]
    recent = [row for row in rows if not row.is_open][:SHOWN]
    last_answer = Survey.objects.restrict(user).filter(customer=customer, state=SurveyState.ANSWERED).order_by(
        "-answered_at").select_related("station").first()
    if not (open_tickets or recent or may_add or last_answer):
        return None
    return {"open_tickets": open_tickets, "recent": recent, "may_add": may_add, "customer": customer,
            "last_answer": last_answer}


def tickets_widget(user) -> dict:
    """The home page's card for those who work tickets: open ones assigned to the user or to nobody
    yet, the soonest due first (fresh on every visit: it is a work queue, not a statistic)."""
    mine = (Ticket.objects.restrict(user, "change").filter(status__in=OPEN_STATUSES)
            .filter(Q(assignee=user) | Q(assignee__isnull=True)))
    now = timezone.now()
    late = mine.filter(status__in=RUNNING_STATUSES, resolution_due__lt=now)  # a paused ticket is not late
    return {"tickets": list(mine.select_related("customer").order_by("resolution_due", "pk")[:SHOWN + 2]),
            "count": _counted(mine), "overdue": _counted(late), "counted_up_to": COUNTED_UP_TO, "now": now}


COUNTED_UP_TO = 999  # a work queue's size is read at a glance; a call center's whole backlog is not counted


def _counted(rows) -> int:
    return rows.order_by().values("pk")[:COUNTED_UP_TO + 1].count()
