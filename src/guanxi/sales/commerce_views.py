"""Catalog, price list and quote pages. Thin: the rules are in sales.catalog and sales.quotes."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.generic import ObjectEditView, ObjectListView, ObjectView, StepView
from guanxi.core.scoping import get_restricted, may
from guanxi.sales import catalog, orders, quotes
from guanxi.sales.filtersets import OrderFilterSet, PriceListFilterSet, ProductFilterSet
from guanxi.sales.forms import (
    AllocateForm,
    AnswerForm,
    ApproveForm,
    ArriveForm,
    CancelForm,
    ContractForm,
    DeliverForm,
    PlaceOrderForm,
    PriceForm,
    PriceListForm,
    ProductForm,
    QuoteForm,
    QuoteLineForm,
    ShipForm,
)
from guanxi.sales.models import Opportunity, Order, OrderState, Price, PriceList, Product, Quote, QuoteStatus
from guanxi.sales.quote_pdf import pdf_response
from guanxi.sales.tables import OrderTable, PriceListTable, ProductTable


class ProductListView(ObjectListView):
    model = Product
    table_class = ProductTable
    filterset_class = ProductFilterSet
    title = _("Products")
    add_url_name = "sales:product_add"

    @staticmethod
    def queryset(rows):
        return rows.select_related("model")


class ProductEditView(ObjectEditView):
    model = Product
    form_class = ProductForm

    def save(self, user, form):
        return catalog.save_product(user, form.instance.pk, form.service_data())

    def saved_url(self, saved) -> str:
        return reverse("sales:products")


class PriceListListView(ObjectListView):
    model = PriceList
    table_class = PriceListTable
    filterset_class = PriceListFilterSet
    title = _("Price lists")
    add_url_name = "sales:price_list_add"


class PriceListView(ObjectView):
    model = PriceList
    template_name = "sales/price_list_detail.html"
    fields = ("name", "currency", "valid_from", "valid_until")
    edit_url_name = "sales:price_list_edit"

    def context(self, user, obj):
        return {"prices": obj.prices.select_related("product").order_by("product__kind", "product__code"),
                "may_price": may(user, Price.permission_key, "change")}


class PriceListEditView(ObjectEditView):
    model = PriceList
    form_class = PriceListForm

    def save(self, user, form):
        return catalog.save_price_list(user, form.instance.pk, form.cleaned_data)


class PriceAddView(ObjectEditView):
    """A product's price on a list (new, or replacing the one it had)."""

    model = Price
    form_class = PriceForm

    def check_may_add(self, request):
        get_restricted(request.user, PriceList, self.kwargs["price_list_pk"], "change")

    def save(self, user, form):
        data = {"product_id": form.cleaned_data["product"].pk, "amount": form.cleaned_data["amount"]}
        return catalog.set_price(user, self.kwargs["price_list_pk"], data)


class QuoteView(ObjectView):
    model = Quote
    template_name = "sales/quote_detail.html"
    fields = ("opportunity", "status", "price_list", "discount_percent", "valid_until", "approved_by", "note",
              "created_by", "created_at")

    def context(self, user, obj, bound: dict | None = None):
        lines = list(obj.lines.select_related("product"))
        actions = QuoteStepView.offered(user, obj, bound)
        ordered = Order.objects.filter(quote=obj).first()
        if ordered is not None or not may(user, Order.permission_key, "add"):
            actions.pop("order", None)
        return {"lines": lines, "totals": obj.totals(lines), "currency": obj.price_list.currency, "order": ordered,
                "actions": actions, "approval_above": quotes.APPROVAL_ABOVE}


class QuoteStepView(StepView):
    """A manager approves a discount; the salesperson records the customer's answer."""

    model = Quote
    detail_view = QuoteView
    actions = {
        "order": (PlaceOrderForm, "change", (QuoteStatus.READY, QuoteStatus.SENT, QuoteStatus.ACCEPTED)),
        "approve": (ApproveForm, "approve", (QuoteStatus.AWAITING_APPROVAL,)),
        "line": (QuoteLineForm, "change", (QuoteStatus.READY, QuoteStatus.AWAITING_APPROVAL)),
        "answer": (AnswerForm, "change", (QuoteStatus.READY, QuoteStatus.SENT)),
    }

    def act(self, user, pk, action, data):
        if action == "order":
            orders.place_order(user, pk)
        elif action == "approve":
            quotes.approve(user, pk)
        elif action == "line":
            quotes.add_line(user, pk, {**data, "product_id": data["product"].pk})
        else:
            quotes.answer(user, pk, data["status"])


class QuoteAddView(ObjectEditView):
    """A quote for a deal, from the deal's page."""

    model = Quote
    form_class = QuoteForm

    def check_may_add(self, request):
        super().check_may_add(request)
        get_restricted(request.user, Opportunity, self.kwargs["opportunity_pk"], "change")

    def save(self, user, form):
        return quotes.create_quote(user, self.kwargs["opportunity_pk"], form.service_data())


@login_required
def quote_pdf(request, pk):
    return pdf_response(get_restricted(request.user, Quote, pk))


class OrderListView(ObjectListView):
    model = Order
    table_class = OrderTable
    filterset_class = OrderFilterSet
    title = _("Orders")
    export_key = "orders"

    @staticmethod
    def queryset(rows):
        return rows.select_related("opportunity__customer", "opportunity__dealer").order_by("-id")


class OrderView(ObjectView):
    model = Order
    template_name = "sales/order_detail.html"
    fields = ("opportunity", "quote", "model", "amount", "state", "contract_number", "signed_at", "vin",
              "allocated_at", "shipped_at", "arrived_at", "delivered_at", "vehicle", "cancel_reason", "created_at")

    def context(self, user, obj, bound: dict | None = None):
        actions = OrderStepView.offered(user, obj, bound)
        if obj.signed_at:
            actions.pop("contract", None)
        return {"actions": actions}


ON_ITS_WAY = (OrderState.ORDERED, OrderState.ALLOCATED, OrderState.IN_TRANSIT, OrderState.AT_DEALER)


class OrderStepView(StepView):
    """The contract and the car's way to the customer."""

    model = Order
    detail_view = OrderView
    state_field = "state"
    actions = {
        "contract": (ContractForm, "change", ON_ITS_WAY),
        "allocate": (AllocateForm, "change", (OrderState.ORDERED,)),
        "ship": (ShipForm, "change", (OrderState.ALLOCATED,)),
        "arrive": (ArriveForm, "change", (OrderState.ALLOCATED, OrderState.IN_TRANSIT)),
        "deliver": (DeliverForm, "change", (OrderState.AT_DEALER,)),
        "cancel": (CancelForm, "change", ON_ITS_WAY),
    }

    def act(self, user, pk, action, data):
        if action == "contract":
            orders.sign_contract(user, pk, data["contract_number"])
        else:
            orders.step(user, pk, action, data)
