"""The customers API: customers, contact points, consent, vehicles, the timeline and the lookup.

Endpoints stay thin: parse (the schemas), call one domain service or one restricted queryset,
return. Every read goes through `Model.objects.restrict(user, action)` or a service that does, so
another dealer's customer is a 404 here exactly as in the UI; a role that lacks the action
altogether (an analyst editing, a service advisor deleting) gets 403 from the services.
"""

from django.shortcuts import get_object_or_404
from ninja import PatchDict, Query, Router, Status
from ninja.pagination import paginate

from guanxi.core.api import KeysetPagination, filter_params, filtered
from guanxi.core.lean_api import Decline
from guanxi.customers import services
from guanxi.customers.filtersets import CustomerFilterSet, VehicleFilterSet
from guanxi.customers.models import Consent, ContactPoint, Customer, Interaction, Vehicle
from guanxi.customers.schemas import (
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
    OptOutIn,
    VehicleIn,
    VehicleOut,
)

router = Router(tags=["customers"])

LOOKUP_COLUMNS = tuple(LookupOut.model_fields)
# The filters of the list pages (customers/filtersets.py), the same for the API.
CustomerFilters = filter_params(CustomerFilterSet)
VehicleFilters = filter_params(VehicleFilterSet)


def _of_customer(request, customer_id: int, model, path: str = "customer", **also):
    """The rows of `model` belonging to one customer (reached by `path`), through both scopes: the
    customer's (404 when it is not visible) and the model's own."""
    customer = services.get_customer(request.user, customer_id)
    return model.objects.restrict(request.user, "view").filter(**{path: customer}, **also)


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
    return services.lookup_rows(request.user, values[0], LOOKUP_COLUMNS)


# --- customers --------------------------------------------------------------------------------


@router.get("/customers", response=list[CustomerOut])
@paginate(KeysetPagination)
def list_customers(request, filters: Query[CustomerFilters]):
    """Newest first, keyset-paginated by id (no COUNT: see core.api.KeysetPagination).

    Filters as on the list page: q (name prefix), lifecycle_stage, tier, segment, home_dealer (id).
    """
    return filtered(CustomerFilterSet, Customer.objects.restrict(request.user, "view"), request, filters)


@router.post("/customers", response={201: CustomerOut})
def create_customer(request, payload: CustomerCreate):
    """A customer and, in the same transaction, its contact points."""
    data = payload.model_dump()
    contacts = data.pop("contacts")
    return Status(201, services.create_customer(request.user, data, contacts))


@router.get("/customers/{customer_id}", response=CustomerOut)
def get_customer(request, customer_id: int):
    return services.get_customer(request.user, customer_id)


@router.patch("/customers/{customer_id}", response=CustomerOut)
def update_customer(request, customer_id: int, payload: PatchDict[CustomerIn]):
    """Only the fields sent change; a new lifecycle_stage is recorded in the stage history."""
    return services.update_customer(request.user, customer_id, payload)


@router.delete("/customers/{customer_id}", response={204: None})
def delete_customer(request, customer_id: int):
    """Refused (422, field "customer") once the customer has history: erase instead."""
    services.delete_customer(request.user, customer_id)
    return Status(204, None)


@router.post("/customers/{customer_id}/erase", response=CustomerOut)
def erase_customer(request, customer_id: int):
    """Erasure on request (PIPL / GDPR): personal data goes, also from the audit log."""
    return services.erase_customer(request.user, customer_id)


# --- contact points and consent ---------------------------------------------------------------


@router.get("/customers/{customer_id}/contact-points", response=list[ContactPointOut])
def list_contact_points(request, customer_id: int):
    return _of_customer(request, customer_id, ContactPoint).order_by("kind", "-is_primary", "id")


@router.post("/customers/{customer_id}/contact-points", response={201: ContactPointOut})
def add_contact_point(request, customer_id: int, payload: ContactPointIn):
    return Status(201, services.add_contact_point(request.user, customer_id, payload.model_dump()))


@router.patch("/contact-points/{contact_id}", response=ContactPointOut)
def set_opt_out(request, contact_id: int, payload: OptOutIn):
    """Opt out of (or back into) one contact point; every sender honours it."""
    return services.set_opt_out(request.user, contact_id, payload.opted_out)


@router.get("/customers/{customer_id}/consents", response=list[ConsentOut])
def list_consents(request, customer_id: int):
    return _of_customer(request, customer_id, Consent).order_by("channel", "purpose")


@router.post("/customers/{customer_id}/consents", response=ConsentOut)
def record_consent(request, customer_id: int, payload: ConsentIn):
    """200, not 201: there is one consent per channel and purpose, recording again replaces it."""
    return services.record_consent(request.user, customer_id, payload.model_dump())


# --- vehicles ---------------------------------------------------------------------------------


@router.get("/customers/{customer_id}/vehicles", response=list[VehicleOut])
def list_customer_vehicles(request, customer_id: int):
    """The vehicles the customer owns now (past owners keep their history in ownerships)."""
    return _of_customer(
        request, customer_id, Vehicle, "ownerships__customer", ownerships__end_date__isnull=True
    ).order_by("-id")


@router.post("/customers/{customer_id}/vehicles", response=VehicleOut)
def register_vehicle(request, customer_id: int, payload: VehicleIn):
    """200, not 201: a VIN already known is transferred to this customer rather than created."""
    return services.add_vehicle(request.user, customer_id, payload.model_dump())


@router.get("/vehicles", response=list[VehicleOut], tags=["vehicles"])
@paginate(KeysetPagination)
def list_vehicles(request, filters: Query[VehicleFilters]):
    """Filters as on the list page: q (VIN or plate prefix), model, model_year, selling_dealer (id)."""
    return filtered(VehicleFilterSet, Vehicle.objects.restrict(request.user, "view"), request, filters)


@router.get("/vehicles/{vehicle_id}", response=VehicleOut, tags=["vehicles"])
def get_vehicle(request, vehicle_id: int):
    return get_object_or_404(Vehicle.objects.restrict(request.user, "view"), pk=vehicle_id)


# --- the timeline -----------------------------------------------------------------------------


@router.get("/customers/{customer_id}/interactions", response=list[InteractionOut])
@paginate(KeysetPagination, ordering=("-occurred_at", "-id"))
def list_interactions(request, customer_id: int):
    """The customer's timeline, newest first, keyset-paginated on the time (index "timeline")."""
    return _of_customer(request, customer_id, Interaction)


@router.post("/customers/{customer_id}/interactions", response={201: InteractionOut})
def add_interaction(request, customer_id: int, payload: InteractionIn):
    return Status(201, services.add_interaction(request.user, customer_id, payload.model_dump()))
