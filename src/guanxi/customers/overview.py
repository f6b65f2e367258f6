"""Read-only assemblies of customer data for pages: the 360 view and the stage dashboard.

They live beside the services, not in the views, so the API, exports and later the contact
center desktop (the screen pop) reuse the same scoped, fixed-query-count reads.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import EmptyPage, Page, PageNotAnInteger
from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tables2.paginators import LazyPaginator

from guanxi.core.paging import page_number
from guanxi.core.scoping import EVERYWHERE, may, reach, reading_the_whole_scope, restricted_prefetch
from guanxi.customers import activities
from guanxi.customers.models import Activity, Customer, Interaction, Ownership, Stage, Tier, Vehicle
from guanxi.customers.services import get_customer, referrers_in_sight

TIMELINE_PAGE_SIZE = 20
STAGE_HISTORY_LIMIT = 20
# The base's figures move slowly, and counting them anew costs seconds at millions of customers
# (bench/pages.py: a dealer's stages 3 s, head office's charts 2 s): once in five minutes per scope.
DASHBOARD_CACHE_SECONDS = 300


@dataclass
class Customer360:
    customer: Customer
    contact_points: QuerySet
    consents: QuerySet
    ownerships: QuerySet
    stage_changes: QuerySet
    timeline: Page
    open_items: list
    referrer: Customer | None
    referrals: list
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
        **_referral_ties(user, customer),
        may_change=may_change,
        may_delete=may(user, Customer.permission_key, "delete"),
        may_log=may(user, Interaction.permission_key, "add"),
        may_register=may_change and may(user, Vehicle.permission_key, "add"),
        may_schedule=may(user, Activity.permission_key, "add"),
    )


REFERRALS_SHOWN = 12


def _referral_ties(user, customer) -> dict:
    """Who referred the customer and whom they referred (at most REFERRALS_SHOWN), among the customers the user
    may see and not erased (as the API and the evaluation's count): one query whatever the ties."""
    referrer_first = Case(When(pk=customer.referred_by_id or 0, then=Value(0)), default=Value(1))
    ties = list(referrers_in_sight(user)
                .filter(Q(pk=customer.referred_by_id or 0) | Q(referred_by=customer))
                .only("pk", "name", "referred_by_id").order_by(referrer_first, "-pk")[:REFERRALS_SHOWN + 1])
    referrer = next((tie for tie in ties if tie.pk == customer.referred_by_id), None)
    return {"referrer": referrer, "referrals": [tie for tie in ties if tie is not referrer][:REFERRALS_SHOWN]}


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


def _scope_key(user, *model_keys: str) -> str:
    """Names what the user sees of these models: users who see the same (every head-office user,
    the staff of one dealer) share the home page's cached figures."""
    places = []
    for model_key in model_keys:
        where = reach(user, model_key, "view")
        places.append(where if where == EVERYWHERE else ",".join(map(str, sorted(where))))
    return hashlib.sha256("|".join(places).encode()).hexdigest()[:24]


def _cached_for_scope(name: str, user, model_keys: tuple[str, ...], compute):
    """`compute()` once in DASHBOARD_CACHE_SECONDS per scope: the home page is glanced at on every login, not
    watched, and grouping or ranging over millions of rows is not free."""
    key = f"guanxi:dashboard:{name}:{_scope_key(user, *model_keys)}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, DASHBOARD_CACHE_SECONDS)
    return value


def _counts_in_scope(user, name: str, group_by) -> dict:
    """Customers in the user's scope per value of `group_by` (a field name or an expression)."""
    def count():
        rows = (Customer.objects.restrict(user, "view").order_by().annotate(group=group_by)
                .values("group").annotate(n=Count("pk")))
        with reading_the_whole_scope():
            return {row["group"]: row["n"] for row in rows}

    return _cached_for_scope(name, user, ("customers.customer",), count)


def bars(counts: dict, labelled: list[tuple]) -> list[dict]:
    """Rows of a bar chart: each (code, label) with its count and its length against the longest."""
    largest = max((counts.get(code, 0) for code, _label in labelled), default=0) or 1
    return [{"code": code, "label": label, "count": counts.get(code, 0),
             "percent": round(100 * counts.get(code, 0) / largest)} for code, label in labelled]


def stage_counts(user) -> list[dict]:
    """Customers per lifecycle stage within the user's scope, in funnel order."""
    return bars(_counts_in_scope(user, "stages", F("lifecycle_stage")), Stage.choices)


# lifetime spend (sales and service, in the customer's currency) from which a band starts
SPEND_BANDS = ((400_000, _("400,000 and more")), (200_000, _("200,000 – 399,999")),
               (100_000, _("100,000 – 199,999")), (0, _("under 100,000")))
REGIONS_SHOWN = 8


def base_widget(user) -> dict:
    """The home page's charts of the base for head office: customers per tier, per province (the
    largest) and per band of lifetime spend."""
    spend = Case(*(When(lifetime_spend__gte=floor, then=Value(floor)) for floor, _label in SPEND_BANDS[:-1]),
                 default=Value(0))
    regions = _counts_in_scope(user, "regions", F("province"))
    largest_regions = sorted((code for code in regions if code), key=lambda code: -regions[code])[:REGIONS_SHOWN]
    return {"charts": [  # (title, bars, the customer list's filter the counts link to)
        (_("Tier"), bars(_counts_in_scope(user, "tiers", F("tier")), Tier.choices), "tier"),
        (_("Province"), bars(regions, [(code, code) for code in largest_regions]), ""),
        (_("Lifetime spend (CNY)"), bars(_counts_in_scope(user, "spend", spend), list(SPEND_BANDS)), ""),
    ]}


WARRANTY_SOON_DAYS = 60
WARRANTIES_SHOWN = 5
WARRANTIES_COUNTED_UP_TO = 999


def warranty_widget(user) -> dict:
    """The cars in the user's scope whose warranty ends in the next 60 days, soonest first, with
    their owner: a reason to call (a check-up before it ends, an extended warranty)."""
    def find():
        today = timezone.localdate()
        soon = Vehicle.objects.restrict(user, "view").filter(
            warranty_end__gte=today, warranty_end__lt=today + dt.timedelta(days=WARRANTY_SOON_DAYS)
        )
        # the owner only where the user may see them: a workshop sees the cars it services, not
        # always their owners (the vehicle page says "another owner" then)
        visible = Exists(Customer.objects.restrict(user, "view").filter(pk=OuterRef("customer_id")))
        owners = Ownership.objects.filter(visible, vehicle=OuterRef("pk"), end_date__isnull=True)
        shown = soon.annotate(owner_id=Subquery(owners.values("customer_id")[:1]),
                              owner_name=Subquery(owners.values("customer__name")[:1]))
        count = soon.order_by().values("pk")[:WARRANTIES_COUNTED_UP_TO + 1].count()
        return {"vehicles": list(shown.order_by("warranty_end", "pk")[:WARRANTIES_SHOWN]),
                "count": min(count, WARRANTIES_COUNTED_UP_TO), "more": count > WARRANTIES_COUNTED_UP_TO,
                "days": WARRANTY_SOON_DAYS}

    return _cached_for_scope("warranty", user, ("customers.vehicle", "customers.customer"), find)


def stage_widget(user) -> dict:
    """The home page's card: customers in scope per lifecycle stage."""
    stages = stage_counts(user)
    return {"stages": stages, "total_customers": sum(stage["count"] for stage in stages)}
