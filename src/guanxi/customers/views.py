"""Customer pages: the lists, the global search and the 360 view. Thin: parse, query, render."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django_tables2.paginators import LazyPaginator

from guanxi.core.generic import ObjectListView, wants_partial
from guanxi.customers import services
from guanxi.customers.filtersets import CustomerFilterSet, VehicleFilterSet
from guanxi.customers.models import Customer, Interaction, Ownership, Vehicle
from guanxi.customers.tables import CustomerTable, VehicleTable

TIMELINE_PAGE_SIZE = 20
STAGE_HISTORY_LIMIT = 20


class CustomerListView(ObjectListView):
    model = Customer
    table_class = CustomerTable
    filterset_class = CustomerFilterSet
    title = _("Customers")

    @staticmethod
    def queryset(rows):
        return rows.select_related("home_dealer").order_by("-pk")


class VehicleListView(ObjectListView):
    model = Vehicle
    table_class = VehicleTable
    filterset_class = VehicleFilterSet
    title = _("Vehicles")

    @staticmethod
    def queryset(rows):
        return rows.select_related("selling_dealer").order_by("-pk")


@login_required
def search(request):
    """The global search box: one hit opens the customer's 360 page, several are listed."""
    query = request.GET.get("q", "").strip()
    hits = list(services.lookup(request.user, query))
    if len(hits) == 1:
        return redirect("customers:detail", pk=hits[0].pk)
    prefetch_related_objects(hits, "home_dealer")
    return render(request, "customers/search.html", {"query": query, "hits": hits})


def _vehicles_with_owners(user, customer):
    """The customer's vehicles, each with its owners, newest first; owners the user may not see stay anonymous."""
    owner_visible = Exists(Customer.objects.restrict(user, "view").filter(pk=OuterRef("customer_id")))
    owners = Ownership.objects.select_related("customer").annotate(owner_visible=owner_visible)
    return (
        Ownership.objects.restrict(user, "view")
        .filter(customer=customer)
        .select_related("vehicle", "vehicle__selling_dealer", "vehicle__service_unit")
        .prefetch_related(Prefetch("vehicle__ownerships", queryset=owners))
    )


def _timeline_page(user, customer, number):
    interactions = (
        Interaction.objects.restrict(user, "view").filter(customer=customer).select_related("user", "org_unit")
    )
    try:
        return LazyPaginator(interactions, TIMELINE_PAGE_SIZE).page(number)
    except (EmptyPage, PageNotAnInteger):  # a bad or too-high page number shows the newest entries
        return LazyPaginator(interactions, TIMELINE_PAGE_SIZE).page(1)


@login_required
def customer_detail(request, pk):
    """The 360 view. A fixed number of queries whatever the customer's history (pinned by a test)."""
    customer = services.get_customer(request.user, pk)
    timeline = _timeline_page(request.user, customer, request.GET.get("timeline_page") or 1)
    if wants_partial(request) and "timeline_page" in request.GET:
        return render(request, "customers/_timeline.html", {"customer": customer, "timeline": timeline})
    context = {
        "customer": customer,
        "contact_points": customer.contact_points.order_by("kind", "-is_primary", "pk"),
        "consents": customer.consents.order_by("channel", "purpose"),
        "ownerships": _vehicles_with_owners(request.user, customer),
        "stage_changes": customer.stage_changes.select_related("changed_by")[:STAGE_HISTORY_LIMIT],
        "timeline": timeline,
        "open_items": [],
    }
    return render(request, "customers/customer_detail.html", context)
