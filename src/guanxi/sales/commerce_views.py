"""Catalog, price list and quote pages. Thin: the rules are in sales.catalog and sales.quotes."""

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.generic import ObjectEditView, ObjectListView, ObjectView
from guanxi.core.scoping import get_restricted, may
from guanxi.sales import catalog, quotes
from guanxi.sales.filtersets import PriceListFilterSet, ProductFilterSet
from guanxi.sales.forms import AnswerForm, ApproveForm, PriceForm, PriceListForm, ProductForm, QuoteForm
from guanxi.sales.models import Opportunity, Price, PriceList, Product, Quote, QuoteStatus
from guanxi.sales.quote_pdf import pdf_response
from guanxi.sales.tables import PriceListTable, ProductTable
from guanxi.sales.views import StepView


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
        return {"lines": lines, "totals": obj.totals(lines), "currency": obj.price_list.currency,
                "actions": QuoteStepView.offered(user, obj, bound), "approval_above": quotes.APPROVAL_ABOVE}


class QuoteStepView(StepView):
    """A manager approves a discount; the salesperson records the customer's answer."""

    model = Quote
    detail_view = QuoteView
    actions = {
        "approve": (ApproveForm, "approve", (QuoteStatus.AWAITING_APPROVAL,)),
        "answer": (AnswerForm, "change", (QuoteStatus.READY, QuoteStatus.SENT)),
    }

    def act(self, user, pk, action, data):
        if action == "approve":
            quotes.approve(user, pk)
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
