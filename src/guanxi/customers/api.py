"""The customers API: customers, contact points, consent, vehicles, the timeline and the lookup.

Customers and their records are published from declarations (core.api_crud.ModelApi: list,
detail, create, change, delete as each model allows), so every read starts from
`Model.objects.restrict(user, "view")` and every write goes through the domain service and is
checked to land inside the writer's scope: another dealer's customer is a 404 here exactly as in
the UI; a role that lacks the action altogether (an analyst editing) gets 403 from the services.
Only the lookup, erasure and restoring are written by hand.
"""

from django.db.models import Exists, OuterRef
from ninja import Query, Router

from guanxi.core.api_crud import ModelApi
from guanxi.core.lean_api import Decline
from guanxi.core.limits import RateLimited
from guanxi.core.scoping import get_restricted
from guanxi.customers import activities, services
from guanxi.customers.filtersets import (
    ActivityFilterSet,
    ConsentFilterSet,
    ContactPointFilterSet,
    CustomerFilterSet,
    InteractionFilterSet,
    VehicleFilterSet,
)
from guanxi.customers.models import Activity, ActivityState, Consent, ContactPoint, Customer, Interaction, Vehicle
from guanxi.customers.schemas import (
    ActivityChange,
    ActivityIn,
    ActivityOut,
    ConsentChange,
    ConsentIn,
    ConsentOut,
    ContactPointIn,
    ContactPointOut,
    CustomerCreate,
    CustomerIn,
    CustomerOut,
    InteractionIn,
    InteractionOut,
    LookupOut,
    VehicleChange,
    VehicleIn,
    VehicleOut,
)

router = Router(tags=["customers"])

LOOKUP_COLUMNS = tuple(LookupOut.model_fields)


# --- lookup -----------------------------------------------------------------------------------


LOOKUP_MAX_LENGTH = 100


@router.get("/lookup", response=list[LookupOut], tags=["lookup"])
def lookup(request, q: str = Query(..., min_length=1, max_length=LOOKUP_MAX_LENGTH)):
    """Phone, email, VIN, plate, ID number or name prefix -> at most 20 customers the caller may see.

    Hit on every incoming call, so it is one query returning plain rows: no model instances,
    no per-row query. A call with an API token is answered by `lean_lookup` (see below).
    """
    return services.lookup_rows(request.user, q, LOOKUP_COLUMNS)


def lean_lookup(request) -> list[dict]:
    """`lookup` on the lean path (core.lean_api, wired in guanxi.api): the same service call for a
    token already checked, when `q` is given once and within bounds. Any other query string is
    handed to `lookup`, so a missing or overlong `q` gets Ninja's 422 as before.
    """
    values = request.GET.getlist("q")
    if len(values) != 1 or not 1 <= len(values[0]) <= LOOKUP_MAX_LENGTH:
        raise Decline
    try:
        return services.lookup_rows(request.user, values[0], LOOKUP_COLUMNS)
    except RateLimited:
        raise Decline from None  # the full path refuses it again, in the API's error shape


# --- customers and their records: endpoints from declarations (core.api_crud) ----------------


def _with_referrer_in_sight(rows, user):
    """The home dealer joined, and `referrer_in_sight`: CustomerOut answers `referred_by_id` only for a
    referrer the reader may see and not erased (services.referrers_in_sight), in the same query."""
    in_sight = services.referrers_in_sight(user).filter(pk=OuterRef("referred_by_id"))
    return rows.select_related("home_dealer").annotate(referrer_in_sight=Exists(in_sight))


class CustomerApi(ModelApi):
    model = Customer
    path = "customers"
    schema = CustomerOut
    tags = ["customers"]
    filterset_class = CustomerFilterSet
    queryset = staticmethod(_with_referrer_in_sight)
    create_schema = CustomerCreate
    change_schema = CustomerIn
    scope_field = "home_dealer_id"

    def create(self, user, data, parent_pk):
        """A customer and, in the same transaction, its contact points."""
        contacts = data.pop("contacts")
        return services.create_customer(user, data, contacts)

    def change(self, user, pk, data):
        """Only the fields sent change; a new lifecycle_stage is recorded in the stage history."""
        return services.update_customer(user, pk, data)

    def delete(self, user, pk):
        """Refused (422, field "customer") once the customer has history: erase instead."""
        services.delete_customer(user, pk)


class OfCustomer(ModelApi):
    """A customer's records: listed and added under /customers/{parent_pk}/…"""

    parent_model = Customer
    parent_path = "customers"
    tags = ["customers"]


class ContactPointApi(OfCustomer):
    model = ContactPoint
    path = "contact-points"
    schema = ContactPointOut
    filterset_class = ContactPointFilterSet
    ordering = ("kind", "-is_primary", "id")
    create_schema = change_schema = ContactPointIn

    def create(self, user, data, parent_pk):
        return services.add_contact_point(user, parent_pk, data)

    def change(self, user, pk, data):
        """The fields sent change; `{"opted_out": true}` opts the customer out (every sender honours it)."""
        return services.update_contact_point(user, pk, data)

    def delete(self, user, pk):
        """Removing a wrong or stale number; the audit log keeps what it was."""
        services.delete_contact_point(user, pk)


class ConsentApi(OfCustomer):
    """No DELETE: consent is evidence. Withdrawing it is recording `granted: false`."""

    model = Consent
    path = "consents"
    schema = ConsentOut
    filterset_class = ConsentFilterSet
    ordering = ("channel", "purpose", "id")
    create_schema = ConsentIn
    change_schema = ConsentChange

    def create(self, user, data, parent_pk):
        """201 for a new channel and purpose; 200 when one was recorded before: there is one
        consent per channel and purpose, and recording again replaces the answer."""
        return services.record_consent(user, parent_pk, data)

    def found_already(self, data, parent_pk):
        return Consent.objects.filter(customer_id=parent_pk, channel=data["channel"], purpose=data["purpose"]).exists()

    def change(self, user, pk, data):
        """The customer's new answer for the same channel and purpose; the audit log keeps the old one."""
        return services.change_consent(user, pk, data)


class VehicleApi(OfCustomer):
    model = Vehicle
    path = "vehicles"
    schema = VehicleOut
    tags = ["vehicles"]
    filterset_class = VehicleFilterSet
    create_schema = VehicleIn
    change_schema = VehicleChange

    def parent_rows(self, rows, parent):
        """The vehicles the customer owns now (past owners keep their history in ownerships)."""
        return rows.filter(ownerships__customer=parent, ownerships__end_date__isnull=True)

    def create(self, user, data, parent_pk):
        """201 for a new VIN; 200 for a VIN already known, which is transferred to this customer."""
        return services.add_vehicle(user, parent_pk, data)

    def found_already(self, data, parent_pk):
        return services.vehicle_known(data.get("vin", ""))

    def change(self, user, pk, data):
        """The fields sent change; `service_unit_id` must be a station you work for (head office: any)."""
        return services.update_vehicle(user, pk, data)

    def delete(self, user, pk):
        """Only a vehicle registered by mistake: one with history answers 422 (field "vehicle")."""
        services.delete_vehicle(user, pk)


class InteractionApi(OfCustomer):
    """The timeline, newest first, keyset-paginated on the time (index "timeline")."""

    model = Interaction
    path = "interactions"
    schema = InteractionOut
    filterset_class = InteractionFilterSet
    ordering = ("-occurred_at", "-id")
    create_schema = change_schema = InteractionIn

    def create(self, user, data, parent_pk):
        return services.add_interaction(user, parent_pk, data)

    def change(self, user, pk, data):
        return services.update_interaction(user, pk, data)

    def delete(self, user, pk):
        services.delete_interaction(user, pk)


class ActivityApi(OfCustomer):
    """Activities, soonest due first; `?mine=true` lists the caller's own (their day)."""

    model = Activity
    path = "activities"
    schema = ActivityOut
    filterset_class = ActivityFilterSet
    ordering = ("due_at", "id")
    create_schema = ActivityIn
    change_schema = ActivityChange

    def create(self, user, data, parent_pk):
        return activities.schedule_activity(user, _with_assignee(user, data), customer_pk=parent_pk)

    def change(self, user, pk, data):
        state = data.pop("state", None)
        activity = get_restricted(user, Activity, pk, "change")
        if data:
            activity = activities.update_activity(user, pk, _with_assignee(user, data))
        if state and state != ActivityState.OPEN:
            activity = activities.close_activity(user, pk, state)
        return activity


def _with_assignee(user, data: dict) -> dict:
    if data.get("assignee_id") is not None:
        data = {**data, "assignee": activities.colleague(user, data["assignee_id"])}
    return data


CUSTOMERS = CustomerApi()
MODEL_APIS = (CUSTOMERS, ContactPointApi(), ConsentApi(), VehicleApi(), InteractionApi(), ActivityApi())
for model_api in MODEL_APIS:
    model_api.register(router)


@router.post("/customers/{pk}/erase", response=CustomerOut)
def erase_customer(request, pk: int):
    """Erasure on request (PIPL / GDPR): personal data goes, also from the audit log; the record
    is frozen (changes answer 422, field "customer") until restored."""
    return CUSTOMERS.answer(request.user, services.erase_customer(request.user, pk).pk)


@router.post("/customers/{pk}/restore", response=CustomerOut)
def restore_customer(request, pk: int):
    """Lifts an erased customer's freeze, for those who may erase; what was erased stays erased."""
    return CUSTOMERS.answer(request.user, services.restore_customer(request.user, pk).pk)
