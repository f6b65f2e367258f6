"""Ticket pages: the list, a new ticket from the customer's page, one ticket with its conversation,
clocks and steps, attachments (served only to those who may see the ticket), the service-level
report, and head office's targets and the units' support hours. Thin: the rules are in tickets,
sla and attainment."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from guanxi.core.generic import ObjectEditView, ObjectListView, ObjectView, StepView
from guanxi.core.scoping import get_restricted, may, require
from guanxi.customers.services import get_customer
from guanxi.customers.views import ChildOfCustomer
from guanxi.knowledge import services as knowledge
from guanxi.knowledge.models import Article
from guanxi.service import attainment, reports, tickets
from guanxi.service.filtersets import AttainmentFilterSet, TicketFilterSet
from guanxi.service.forms import (
    AssignForm,
    CloseForm,
    LinkArticleForm,
    NoteForm,
    ReopenForm,
    ReplyForm,
    ResolveForm,
    ResumeForm,
    SlaTargetForm,
    SupportHoursForm,
    TakeForm,
    TicketChangeForm,
    TicketForm,
)
from guanxi.service.models import (
    OPEN_STATUSES,
    SlaTarget,
    SupportHours,
    Survey,
    Ticket,
    TicketEntry,
    TicketStatus,
    WorkOrder,
)
from guanxi.service.tables import SlaTargetTable, SupportHoursTable, TicketTable


class TicketListView(ObjectListView):
    model = Ticket
    table_class = TicketTable
    filterset_class = TicketFilterSet
    title = _("Tickets")
    export_key = "tickets"

    @staticmethod
    def queryset(rows):
        return rows.select_related("customer", "org_unit").order_by("-id")


class TicketView(ObjectView):
    model = Ticket
    template_name = "service/ticket_detail.html"
    fields = ("customer", "vehicle", "kind", "channel", "priority", "tier", "status", "org_unit", "assignee",
              "opened_in", "created_at", "description", "resolution")
    edit_url_name = "service:ticket_edit"

    def context(self, user, obj, bound: dict | None = None):
        actions = TicketStepView.offered(user, obj, bound)
        linking = actions.pop("link_article", None)  # a button beside each suggestion, not a card
        return {"entries": obj.entries.select_related("author"), "actions": actions, "may_link": linking is not None,
                "linked": list(obj.articles.all()),
                "may_open_work_order": obj.is_open and obj.vehicle_id is not None
                and may(user, WorkOrder.permission_key, "add"),
                "articles": suggested_articles(user, obj)}


SUGGESTED = 3


def suggested_articles(user, ticket) -> list:
    """Published knowledge articles that may answer the ticket, found from its subject: what the
    agent or advisor can send or read out (the seeds: solve in one call)."""
    if not ticket.is_open or not may(user, Article.permission_key, "view"):
        return []
    return knowledge.search(ticket.subject, user, limit=SUGGESTED)


class TicketStepView(StepView):
    """Take, hand over, answer, note, the customer answered, resolve, close, reopen."""

    model = Ticket
    detail_view = TicketView
    actions = {
        "take": (TakeForm, "change", (TicketStatus.NEW, TicketStatus.ASSIGNED)),
        "reply": (ReplyForm, "change", OPEN_STATUSES),
        "resume": (ResumeForm, "change", (TicketStatus.WAITING,)),
        "resolve": (ResolveForm, "change", OPEN_STATUSES),
        "note": (NoteForm, "change", tuple(TicketStatus)),
        "assign": (AssignForm, "assign", OPEN_STATUSES),
        "link_article": (LinkArticleForm, "change", tuple(TicketStatus)),
        "close": (CloseForm, "change", (TicketStatus.RESOLVED,)),
        "reopen": (ReopenForm, "change", (TicketStatus.RESOLVED, TicketStatus.CLOSED)),
    }

    def act(self, user, pk, action, data):
        if action == "take":
            tickets.take(user, pk)
        elif action == "reply":
            tickets.reply(user, pk, data["body"], data.get("attachment"), data.get("wait", False))
        elif action == "note":
            tickets.note(user, pk, data.get("body", ""), data.get("attachment"))
        elif action == "resume":
            tickets.resume(user, pk, data.get("body", ""))
        elif action == "resolve":
            tickets.resolve(user, pk, data["resolution"])
        elif action == "close":
            tickets.close(user, pk)
        elif action == "reopen":
            tickets.reopen(user, pk, data["reason"])
        elif action == "link_article":
            tickets.link_article(user, pk, data["article"])
        else:
            person = data.get("assignee")
            tickets.assign(user, pk, data["org_unit"].pk, person.pk if person else None)


class TicketAddView(ChildOfCustomer, ObjectEditView):
    """A ticket opened on the customer's page (the agent on the phone, the advisor at the desk)."""

    model = Ticket
    form_class = TicketForm
    customer_action = "view"
    created_action = "view"  # the call center takes a repair in and hands it to the station

    def check_may_add(self, request):
        ObjectEditView.check_may_add(self, request)
        super().check_may_add(request)

    def _form(self, request, instance, data=None):
        customer = get_customer(request.user, self.kwargs["customer_pk"])
        return self.form_class(data, instance=instance, user=request.user, customer=customer)

    def save(self, user, form):
        return tickets.open_ticket(user, form.service_data())


class TicketEditView(ObjectEditView):
    model = Ticket
    form_class = TicketChangeForm

    def save(self, user, form):
        data = {key: form.cleaned_data.get(key) for key in ("subject", "description", "priority")}
        vehicle = form.cleaned_data.get("vehicle")
        return tickets.update_ticket(user, form.instance.pk, {**data, "vehicle_id": vehicle.pk if vehicle else None})


def attachment(request, pk, entry_pk):
    """A ticket's attachment, for those who may see the ticket (never a public media address)."""
    ticket = get_restricted(request.user, Ticket, pk)
    entry = TicketEntry.objects.filter(pk=entry_pk, ticket=ticket).exclude(attachment="").first()
    if entry is None:
        raise Http404(_("No such attachment."))
    return FileResponse(entry.attachment.open("rb"), as_attachment=True,
                        filename=entry.attachment.name.rsplit("/", 1)[-1])


class AttainmentView(LoginRequiredMixin, View):
    """How often the targets were met, per type and tier or per unit, over the tickets in scope."""

    def get(self, request):
        require(request.user, Ticket.permission_key, "view")
        by = "unit" if request.GET.get("by") == "unit" else "kind"
        filterset = AttainmentFilterSet(request.GET or None, queryset=Ticket.objects.restrict(request.user),
                                        request=request)
        rows = attainment.labelled(attainment.attainment(filterset.qs, by), by)
        chart = {"labels": [row["label"] for row in rows],
                 "response": [row["response_share"] for row in rows],
                 "resolution": [row["resolution_share"] for row in rows],
                 "names": {"response": str(_("first response in time")),
                           "resolution": str(_("resolved in time"))}}
        ranking = attainment.satisfaction(Survey.objects.restrict(request.user)) if by == "unit" else []
        return render(request, "service/attainment.html", {
            "filter": filterset, "rows": rows, "total": attainment.totals(rows), "by": by, "chart": chart,
            "ranking": ranking})


class SlaTargetListView(ObjectListView):
    model = SlaTarget
    table_class = SlaTargetTable
    title = _("SLA targets")
    add_url_name = "service:target_add"


class SlaTargetEditView(ObjectEditView):
    model = SlaTarget
    form_class = SlaTargetForm


class SupportHoursListView(ObjectListView):
    model = SupportHours
    table_class = SupportHoursTable
    title = _("Support hours")
    add_url_name = "service:hours_add"

    @staticmethod
    def queryset(rows):
        return rows.select_related("org_unit")


class SupportHoursEditView(ObjectEditView):
    model = SupportHours
    form_class = SupportHoursForm


class ServiceReportsView(LoginRequiredMixin, View):
    """Open tickets by age and type, first-contact resolution, repeat repairs: in the period and
    unit chosen, over what the user may see."""

    def get(self, request):
        require(request.user, Ticket.permission_key, "view")
        filterset = AttainmentFilterSet(request.GET or None, queryset=Ticket.objects.restrict(request.user),
                                        request=request)
        chosen = filterset.form.cleaned_data if filterset.is_bound and filterset.form.is_valid() else {}
        work_orders = reports.work_orders_in(WorkOrder.objects.restrict(request.user), chosen.get("since"),
                                             chosen.get("until"), chosen.get("org_unit"))
        repeat_count, repeats = reports.repeat_repairs(work_orders)
        ages = reports.open_by_age(filterset.qs)  # open ones of the type, tier, unit (and period) chosen
        chart = {"kinds": [str(row["label"]) for row in ages],
                 "bands": [str(label) for label in reports.BAND_LABELS],
                 "series": [[row["counts"][i] for row in ages] for i in range(len(reports.BAND_NAMES))]}
        return render(request, "service/reports.html", {
            "filter": filterset, "ages": ages, "chart": chart, "fcr": reports.first_contact_resolution(filterset.qs),
            "repeat_count": repeat_count, "repeats": repeats})
