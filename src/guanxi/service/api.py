"""The ticket API: tickets from declarations (core.api_crud; a customer's at
/customers/{id}/tickets, where one is opened), and the steps as actions. Every action reads the
ticket through the scoping layer (another unit's ticket is a 404) and goes through the services."""

from typing import Literal

from ninja import Query, Router, Schema

from guanxi.core.api import filter_params, filtered
from guanxi.core.api_crud import ModelApi
from guanxi.core.scoping import get_restricted, require
from guanxi.customers.models import Customer
from guanxi.service import attainment, reports, tickets
from guanxi.service.filtersets import AttainmentFilterSet, TicketFilterSet
from guanxi.service.models import Ticket, WorkOrder
from guanxi.service.schemas import (
    AssignIn,
    AttainmentOut,
    EntryOut,
    NoteIn,
    ReopenIn,
    ReplyIn,
    ResolveIn,
    ResumeIn,
    TicketChange,
    TicketIn,
    TicketOut,
)

router = Router(tags=["service"])


class TicketApi(ModelApi):
    model = Ticket
    path = "tickets"
    schema = TicketOut
    tags = ["service"]
    filterset_class = TicketFilterSet
    parent_model = Customer
    parent_path = "customers"
    create_schema = TicketIn
    change_schema = TicketChange
    created_action = "view"  # the call center takes a repair in and hands it to the station
    scope_field = "org_unit_id"
    queryset = staticmethod(lambda rows, user: rows.prefetch_related("articles"))  # article_ids: one query a page

    def create(self, user, data, parent_pk):
        return tickets.open_ticket(user, {**data, "customer_id": parent_pk})

    def change(self, user, pk, data):
        return tickets.update_ticket(user, pk, data)


TicketApi().register(router)


@router.post("/tickets/{pk}/assign", response=TicketOut)
def assign_ticket(request, pk: int, payload: AssignIn):
    """Hands the ticket to a unit and optionally a person there; the clocks keep running."""
    return tickets.assign(request.user, pk, payload.org_unit_id, payload.assignee_id)


@router.post("/tickets/{pk}/take", response=TicketOut)
def take_ticket(request, pk: int):
    """You work the ticket now: assigned to you, in progress."""
    return tickets.take(request.user, pk)


@router.post("/tickets/{pk}/reply", response=TicketOut)
def reply_to_ticket(request, pk: int, payload: ReplyIn):
    """An answer the customer sees; the first stops the first-response clock."""
    return tickets.reply(request.user, pk, payload.body, wait=payload.wait)


@router.post("/tickets/{pk}/note", response=TicketOut)
def note_on_ticket(request, pk: int, payload: NoteIn):
    """A note for colleagues only."""
    return tickets.note(request.user, pk, payload.body)


@router.post("/tickets/{pk}/resume", response=TicketOut)
def resume_ticket(request, pk: int, payload: ResumeIn):
    """The customer answered: the resolution clock runs again with the time that was left."""
    return tickets.resume(request.user, pk, payload.body)


@router.post("/tickets/{pk}/resolve", response=TicketOut)
def resolve_ticket(request, pk: int, payload: ResolveIn):
    return tickets.resolve(request.user, pk, payload.resolution)


@router.post("/tickets/{pk}/close", response=TicketOut)
def close_ticket(request, pk: int):
    return tickets.close(request.user, pk)


@router.post("/tickets/{pk}/reopen", response=TicketOut)
def reopen_ticket(request, pk: int, payload: ReopenIn):
    """Not solved after all: back in progress with the whole resolution time."""
    return tickets.reopen(request.user, pk, payload.reason)


@router.get("/tickets/{pk}/entries", response=list[EntryOut])
def ticket_entries(request, pk: int):
    """The ticket's conversation and status changes, oldest first."""
    return list(get_restricted(request.user, Ticket, pk).entries.all())


AttainmentFilters = filter_params(AttainmentFilterSet)


@router.get("/service-levels", response=AttainmentOut)
def service_levels(request, filters: Query[AttainmentFilters], by: Literal["kind", "unit"] = "kind"):
    """Targets met per type and tier (`by=kind`) or per responsible unit (`by=unit`), over the
    tickets opened in the period that you may see."""
    require(request.user, Ticket.permission_key, "view")
    rows = filtered(AttainmentFilterSet, Ticket.objects.restrict(request.user), request, filters)
    found = attainment.labelled(attainment.attainment(rows, by), by)
    return {"rows": found, "total": attainment.totals(found)}


class ReportsOut(Schema):
    open_by_age: list[dict]
    first_contact_resolution: dict
    repeat_repairs: list[int]
    repeat_repairs_count: int


@router.get("/service-reports", response=ReportsOut)
def service_reports(request, filters: Query[AttainmentFilters]):
    """Open tickets by type in age bands (under a day, 1-3, 3-7 days, over a week), first-contact
    resolution of the tickets in the period, and repeat-repair work orders (the same car and labour
    code within 30 days: how many, the latest 50 ids), over what you may see."""
    require(request.user, Ticket.permission_key, "view")
    tickets_seen = Ticket.objects.restrict(request.user)
    rows = filtered(AttainmentFilterSet, tickets_seen, request, filters)
    orders = reports.work_orders_in(WorkOrder.objects.restrict(request.user), filters.since, filters.until,
                                    filters.org_unit)
    repeat_count, repeats = reports.repeat_repairs(orders)
    return {"open_by_age": [{"kind": row["kind"], "counts": row["counts"]} for row in reports.open_by_age(rows)],
            "first_contact_resolution": reports.first_contact_resolution(rows),
            "repeat_repairs": [order.pk for order in repeats], "repeat_repairs_count": repeat_count}


class LinkArticleIn(Schema):
    article_id: int


@router.post("/tickets/{pk}/articles", response=TicketOut)
def link_article(request, pk: int, payload: LinkArticleIn):
    """Links a published knowledge article that answered the ticket."""
    return tickets.link_article(request.user, pk, payload.article_id)
