"""Read-only assemblies of customer data for pages: the 360 view and the stage dashboard.

They live beside the services, not in the views, so the API, exports and later the contact
center desktop (the screen pop) reuse the same scoped, fixed-query-count reads.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import EmptyPage, Page, PageNotAnInteger
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django_tables2.paginators import LazyPaginator

from guanxi.core.paging import page_number
from guanxi.core.scoping import may, restricted_prefetch
from guanxi.customers import activities
from guanxi.customers.models import Activity, Customer, Interaction, Ownership, Stage, Vehicle
from guanxi.customers.services import get_customer

TIMELINE_PAGE_SIZE = 20
STAGE_HISTORY_LIMIT = 20
DASHBOARD_CACHE_SECONDS = 60


@dataclass
class Customer360:
    customer: Customer
    contact_points: QuerySet
    consents: QuerySet
    ownerships: QuerySet
    stage_changes: QuerySet
    timeline: Page
    open_items: list
    may_change: bool
    may_delete: bool
    may_log: bool
    may_register: bool
    may_schedule: bool


def customer_360(user, pk, timeline_page=1) -> Customer360:
    """Everything the 360 page shows, in a fixed number of queries whatever the customer's history."""
    customer = get_customer(user, pk)
    may_change = Customer.objects.restrict(user, "change").filter(pk=customer.pk).exists()
    return Customer360(
        customer=customer,
        contact_points=customer.contact_points.order_by("kind", "-is_primary", "pk"),
        consents=customer.consents.order_by("channel", "purpose"),
        ownerships=list(_vehicles_with_owners(user, customer)),  # sliced twice by the page: read once
        stage_changes=customer.stage_changes.select_related("changed_by")[:STAGE_HISTORY_LIMIT],
        timeline=timeline(user, customer, timeline_page),
        open_items=activities.open_items(user, customer),
        may_change=may_change,
        may_delete=may(user, Customer.permission_key, "delete"),
        may_log=may(user, Interaction.permission_key, "add"),
        may_register=may_change and may(user, Vehicle.permission_key, "add"),
        may_schedule=may(user, Activity.permission_key, "add"),
    )


def _owners_named_if_visible(user):
    visible_name = Customer.objects.restrict(user, "view").filter(pk=OuterRef("customer_id")).values("name")[:1]
    return Ownership.objects.annotate(owner_name=Subquery(visible_name))


def ownership_history(user, vehicle):
    """A vehicle's owners over time, newest first; owners the user may not see have no name (None)."""
    return _owners_named_if_visible(user).filter(vehicle=vehicle)


def _vehicles_with_owners(user, customer):
    """The customer's vehicles, each with its owners, newest first. The vehicle and every owner's
    name come through the scoping layer: `visible_vehicle` is None for a car since sold to another
    dealer's customer (only the ownership dates show), `owner_name` None for an owner the user
    may not see (the name is never loaded)."""
    vehicles = Vehicle.objects.select_related("selling_dealer", "service_unit")
    owners = _owners_named_if_visible(user)
    return (
        Ownership.objects.restrict(user, "view")
        .filter(customer=customer)
        .prefetch_related(
            restricted_prefetch(user, "vehicle", vehicles, to_attr="visible_vehicle"),
            Prefetch("visible_vehicle__ownerships", queryset=owners),
        )
    )


def timeline(user, customer, number) -> Page:
    """One page of the interaction timeline, newest first; a bad or too-high page number shows the newest."""
    interactions = (
        Interaction.objects.restrict(user, "view").filter(customer=customer).select_related("user", "org_unit")
    )
    try:
        return LazyPaginator(interactions, TIMELINE_PAGE_SIZE).page(page_number(number))
    except (EmptyPage, PageNotAnInteger):
        return LazyPaginator(interactions, TIMELINE_PAGE_SIZE).page(1)


def stage_counts(user) -> list[dict]:
    """Customers per lifecycle stage within the user's scope, in funnel order.

    Grouping a multi-million-row table is not free, so the figures are cached for a minute per
    user: the dashboard is glanced at on every login, not watched.
    """
    key = f"guanxi:dashboard:stages:{user.pk}"
    counts = cache.get(key)
    if counts is None:
        rows = Customer.objects.restrict(user, "view").order_by().values("lifecycle_stage").annotate(n=Count("pk"))
        counts = {row["lifecycle_stage"]: row["n"] for row in rows}
        cache.set(key, counts, DASHBOARD_CACHE_SECONDS)
    largest = max(counts.values(), default=0) or 1
    return [
        {
            "code": code,
            "label": label,
            "count": counts.get(code, 0),
            "percent": round(100 * counts.get(code, 0) / largest),
        }
        for code, label in Stage.choices
    ]


def stage_widget(user) -> dict:
    """The home page's card: customers in scope per lifecycle stage."""
    stages = stage_counts(user)
    return {"stages": stages, "total_customers": sum(stage["count"] for stage in stages)}
