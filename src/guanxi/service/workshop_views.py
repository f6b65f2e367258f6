"""Work-order, service-contract, parts and stock pages. Thin: the rules are in workshop, stock and
coverage; the payer's reasons are worded by wording."""

from django.utils.translation import gettext_lazy as _

from guanxi.core.generic import ObjectEditView, ObjectListView, ObjectView, StepView
from guanxi.core.scoping import get_restricted
from guanxi.service import stock, workshop
from guanxi.service.filtersets import ContractFilterSet, StockFilterSet, WorkOrderFilterSet
from guanxi.service.models import (
    OPEN_WORK,
    Part,
    PartLineState,
    ServiceContract,
    Stock,
    Ticket,
    WorkOrder,
    WorkOrderStatus,
)
from guanxi.service.tables import ContractTable, PartTable, StockTable, WorkOrderTable
from guanxi.service.wording import coverage_in_words
from guanxi.service.workshop_forms import (
    CancelForm,
    CloseWorkForm,
    CompleteForm,
    JobForm,
    PartCatalogForm,
    PartForm,
    ReceiveForm,
    RemovePartForm,
    ReorderLevelForm,
    ServiceContractForm,
    StartForm,
    StockAddForm,
    TransferForm,
    WorkOrderForm,
)


class WorkOrderListView(ObjectListView):
    model = WorkOrder
    table_class = WorkOrderTable
    filterset_class = WorkOrderFilterSet
    title = _("Work orders")
    add_url_name = "service:work_order_add"
    export_key = "work_orders"

    @staticmethod
    def queryset(rows):
        return rows.select_related("customer", "vehicle", "station").order_by("-id")


class WorkOrderView(ObjectView):
    model = WorkOrder
    template_name = "service/work_order_detail.html"
    fields = ("customer", "vehicle", "station", "kind", "mileage_km", "status", "technician", "ticket", "complaint",
              "diagnosis", "billing", "contract", "labour_total", "parts_total", "customer_pays", "created_at",
              "completed_at", "closed_at", "cancel_reason")

    def context(self, user, obj, bound: dict | None = None):
        actions = WorkOrderStepView.offered(user, obj, bound)
        removal = actions.pop("remove_part", None)  # a button per line, not a card; its errors above the lines
        return {"actions": actions, "why": coverage_in_words(obj.coverage), "jobs": obj.jobs.all(),
                "removal_errors": [error for errors in removal.errors.values() for error in errors] if removal else [],
                "lines": obj.part_lines.select_related("part").exclude(state=PartLineState.RELEASED),
                "may_remove_parts": obj.status in OPEN_WORK and "job" in actions}


class WorkOrderStepView(StepView):
    model = WorkOrder
    detail_view = WorkOrderView
    actions = {
        "part": (PartForm, "change", OPEN_WORK),
        "job": (JobForm, "change", OPEN_WORK),
        "remove_part": (RemovePartForm, "change", OPEN_WORK),
        "start": (StartForm, "change", (WorkOrderStatus.OPEN,)),
        "complete": (CompleteForm, "change", OPEN_WORK),
        "close": (CloseWorkForm, "change", (WorkOrderStatus.COMPLETED,)),
        "cancel": (CancelForm, "change", OPEN_WORK),
    }

    def act(self, user, pk, action, data):
        if action == "part":
            workshop.add_part(user, pk, data["part"].pk, data["quantity"])
        elif action == "job":
            workshop.add_job(user, pk, data)
        elif action == "remove_part":
            workshop.remove_part(user, pk, data["line"])
        elif action == "start":
            workshop.start(user, pk)
        elif action == "complete":
            workshop.complete(user, pk, data["diagnosis"])
        elif action == "close":
            workshop.close(user, pk)
        else:
            workshop.cancel(user, pk, data["reason"])


class WorkOrderAddView(ObjectEditView):
    """A car at the desk, or the car of a ticket (`?ticket=<id>`)."""

    model = WorkOrder
    form_class = WorkOrderForm

    def _form(self, request, instance, data=None):
        ticket_id = request.GET.get("ticket") or request.POST.get("ticket")
        ticket = get_restricted(request.user, Ticket.objects.select_related("vehicle"), ticket_id) \
            if ticket_id and str(ticket_id).isdigit() else None
        initial = {key: request.GET[key] for key in ("vin", "kind") if request.GET.get(key)}  # from a booking
        return self.form_class(data, user=request.user, ticket=ticket, initial=initial)

    def save(self, user, form):
        return workshop.open_work_order(user, form.service_data())


class ContractListView(ObjectListView):
    model = ServiceContract
    table_class = ContractTable
    filterset_class = ContractFilterSet
    title = _("Service contracts")
    add_url_name = "service:contract_add"

    @staticmethod
    def queryset(rows):
        return rows.select_related("customer", "vehicle", "sold_by")


class ContractView(ObjectView):
    model = ServiceContract
    fields = ("number", "kind", "customer", "vehicle", "sold_by", "starts", "ends", "max_km", "visits",
              "visits_used", "price")
    edit_url_name = "service:contract_edit"


class ContractEditView(ObjectEditView):
    model = ServiceContract
    form_class = ServiceContractForm

    def save(self, user, form):
        contract = form.save(commit=False)
        contract.created_by = contract.created_by or user
        contract.save()
        return contract


class PartListView(ObjectListView):
    model = Part
    table_class = PartTable
    title = _("Parts")
    add_url_name = "service:part_add"


class PartEditView(ObjectEditView):
    model = Part
    form_class = PartCatalogForm


class StockListView(ObjectListView):
    model = Stock
    table_class = StockTable
    filterset_class = StockFilterSet
    title = _("Stock")
    add_url_name = "service:stock_add"

    @staticmethod
    def queryset(rows):
        return rows.select_related("station", "part")


class StockView(ObjectView):
    model = Stock
    template_name = "service/stock_detail.html"
    fields = ("station", "part", "on_hand", "reserved", "reorder_level")

    def context(self, user, obj, bound: dict | None = None):
        return {"actions": StockStepView.offered(user, obj, bound),
                "moves": obj.moves.select_related("user", "other_station", "work_order")[:50]}


class StockStepView(StepView):
    model = Stock
    detail_view = StockView
    actions = {"receive": (ReceiveForm, "change", None), "transfer": (TransferForm, "change", None),
               "reorder": (ReorderLevelForm, "change", None)}

    def act(self, user, pk, action, data):
        row = Stock.objects.get(pk=pk)
        if action == "receive":
            stock.receive(user, row, data["quantity"], data.get("note", ""))
        elif action == "transfer":
            stock.transfer(user, row, data["to_station"].pk, data["quantity"])
        else:
            Stock.objects.filter(pk=pk).update(reorder_level=data["reorder_level"])


class StockAddView(ObjectEditView):
    model = Stock
    form_class = StockAddForm
