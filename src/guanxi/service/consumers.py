"""Who hears of what about tickets (registered in apps.py): the responsible unit's people when a
ticket reaches it (or only the person it is assigned to), the assignee an hour before the
resolution falls due, and on a breach the unit's managers above it and head office's people who
hand tickets out. Each in their own language, only about tickets they may see."""

from django.db.models import Q
from django.utils.translation import gettext as _

from guanxi.core.models import User
from guanxi.core.notify import holders, notify
from guanxi.service import surveys
from guanxi.service.models import Stock, Survey, Ticket, TicketEntry, WorkOrder


def _ticket(event):
    return Ticket.objects.filter(pk=event.object_id).select_related("customer", "org_unit").first()


def _workers(ticket):
    if ticket.assignee_id:
        return User.objects.filter(pk=ticket.assignee_id, is_active=True)
    return holders("service", "change_ticket", Q(org_unit_id=ticket.org_unit_id))


def _escalation(ticket):
    """The assignee, who hands tickets out at the unit or above, and head office's."""
    path = ticket.org_unit.path
    above = [path[:end + 1] for end, char in enumerate(path) if char == "/"]
    managers = holders("service", "assign_ticket", Q(org_unit__path__in=above) | Q(org_unit__kind="hq"))
    return User.objects.filter(Q(pk__in=managers.values("pk")) | Q(pk=ticket.assignee_id), is_active=True)


def _title(text):
    return lambda ticket: text() % {"ticket": ticket, "customer": ticket.customer, "unit": ticket.org_unit}


def ticket_reached_unit(event) -> None:
    ticket = _ticket(event)
    if ticket is not None and ticket.is_open:
        notify(event, ticket, _workers(ticket), _title(lambda: _("Ticket for you: %(ticket)s · %(customer)s")))


def ticket_due_soon(event) -> None:
    ticket = _ticket(event)
    if ticket is not None and ticket.is_open:
        notify(event, ticket, _workers(ticket), _title(lambda: _("Due within the hour: %(ticket)s · %(customer)s")))


def ticket_overdue(event) -> None:
    ticket = _ticket(event)
    if ticket is not None and ticket.is_open:
        notify(event, ticket, _escalation(ticket),
               _title(lambda: _("Overdue at %(unit)s: %(ticket)s · %(customer)s")))


def ticket_response_overdue(event) -> None:
    ticket = _ticket(event)
    if ticket is not None and ticket.is_open and ticket.first_responded_at is None:
        notify(event, ticket, _escalation(ticket),
               _title(lambda: _("No answer yet at %(unit)s: %(ticket)s · %(customer)s")))


def stock_low(event) -> None:
    """A station's free stock of a part fell to its reorder level: its people who keep stock hear of it."""
    row = Stock.objects.filter(pk=event.object_id).select_related("part", "station").first()
    if row is None or not row.reorder_level or row.free > row.reorder_level:
        return  # restocked before the news went out
    people = holders("service", "change_stock", Q(org_unit_id=row.station_id))
    notify(event, row, people, lambda row: _("Reorder %(part)s at %(station)s: %(free)s free") % {
        "part": row.part, "station": row.station, "free": row.free})


def follow_up_ticket(event) -> None:
    """A closed ticket gets its satisfaction survey (one with its work order's: surveys.schedule)."""
    ticket = _ticket(event)
    if ticket is not None:
        surveys.schedule(ticket.customer, ticket.org_unit_id, ticket=ticket)


def follow_up_work_order(event) -> None:
    order = WorkOrder.objects.filter(pk=event.object_id).select_related("customer").first()
    if order is not None:
        surveys.schedule(order.customer, order.station_id, work_order=order)


def forget_erased(event) -> None:
    """An erased customer's service records keep their facts (types, dates, clocks, amounts, scores)
    and lose their words: subjects, descriptions, answers, notes and attachments, complaints and
    diagnoses, survey comments, and the old values in their audit trail. Follow-up calls not yet
    made are cancelled."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from guanxi.customers.models import Activity, ActivityState

    tickets = Ticket.objects.filter(customer_id=event.object_id)
    entries = TicketEntry.objects.filter(ticket__in=tickets)
    for entry in entries.exclude(attachment=""):
        entry.attachment.delete(save=False)
    entries.update(body="", attachment="")
    tickets.update(subject=ERASED, description="", resolution="")
    orders = WorkOrder.objects.filter(customer_id=event.object_id)
    orders.update(complaint=ERASED, diagnosis="", cancel_reason="")
    answers = Survey.objects.filter(customer_id=event.object_id)
    answers.update(comment="")
    Activity.objects.filter(link_type=ContentType.objects.get_for_model(Survey), link_id__in=answers.values("pk"),
                            state=ActivityState.OPEN).update(state=ActivityState.CANCELLED)
    for rows in (tickets, orders, answers):
        LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(rows.model),
                                object_pk__in=[str(pk) for pk in rows.values_list("pk", flat=True)]).update(
            changes={}, changes_text="", object_repr=ERASED)


ERASED = "—"


CONSUMERS = {  # handler: the events it hears
    ticket_reached_unit: ("service.ticket.opened", "service.ticket.assigned"),
    ticket_due_soon: ("service.ticket.due_soon",),
    ticket_overdue: ("service.ticket.overdue",),
    ticket_response_overdue: ("service.ticket.response_overdue",),
    stock_low: ("service.stock.low",),
    follow_up_ticket: ("service.ticket.closed",),
    follow_up_work_order: ("service.workorder.closed",),
    forget_erased: ("customers.customer.erased",),
}
