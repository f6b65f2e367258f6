"""Request and response shapes of the customers API.

Output shapes are ModelSchemas over the models, so a new column is one word in `fields`.
Choice fields are typed with the models' own TextChoices, so an unknown value (tier "platinum")
is refused by the schema with 422 naming the field, and the OpenAPI page lists the values.
Identifiers (phone, email, VIN, plate, ID number) are plain strings here on purpose: their
rules live once, in customers.normalize, and the services apply them.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, ModelSchema, Schema
from pydantic import AfterValidator

from guanxi.customers.identity import visible_identity
from guanxi.customers.models import (
    PLAUSIBLE_YEARS,
    Activity,
    ActivityKind,
    ActivityState,
    Channel,
    Consent,
    ConsentChannel,
    ConsentPurpose,
    ContactKind,
    ContactPoint,
    Customer,
    CustomerKind,
    Direction,
    Gender,
    Interaction,
    Segment,
    Source,
    Stage,
    Tier,
    Vehicle,
)

# --- customers --------------------------------------------------------------------------------



def _plausible_moment(value: dt.datetime) -> dt.datetime:
    """A time with its zone, in a plausible year: 9999-12-31 in New York overflows once moved to UTC."""
    if value.tzinfo is None:
        raise ValueError("give the time zone, e.g. 2026-11-23T09:30:00+08:00")
    if value.year not in PLAUSIBLE_YEARS:
        raise ValueError("the year must lie between 1900 and 2100")
    return value


Moment = Annotated[dt.datetime, AfterValidator(_plausible_moment)]


def _identity(field: str):
    """Ninja's resolver of a field customers.identity decides for the asking user."""
    return staticmethod(lambda customer, context: visible_identity(customer, context["request"].user)[field])


class CustomerOut(ModelSchema):
    """The full birth date and the ID number's mask only for roles that confirm callers with them
    (customers.identity); everybody else gets the birth year and whether an ID number is on file.
    `referred_by_id` only where the rows say the referrer is in the reader's sight (`referrer_in_sight`,
    annotated by the API's queryset); null otherwise, so an id out of scope or erased does not show."""

    home_dealer_id: int | None
    referred_by_id: int | None = None
    birth_year: int | None = None
    national_id_on_file: bool = False

    class Meta:
        model = Customer
        fields = [
            "id", "kind", "name", "name_latin", "gender", "birth_date", "national_id_masked", "segment",
            "lifecycle_stage", "tier", "source", "language", "province", "city", "lifetime_spend", "currency",
            "created_at", "updated_at", "erased_at",
        ]

    resolve_birth_date = _identity("birth_date")
    resolve_birth_year = _identity("birth_year")
    resolve_national_id_masked = _identity("national_id_masked")
    resolve_national_id_on_file = _identity("national_id_on_file")

    @staticmethod
    def resolve_referred_by_id(customer) -> int | None:
        return customer.referred_by_id if getattr(customer, "referrer_in_sight", False) else None


class CustomerIn(ModelSchema):
    """The editable fields; PATCH takes any subset of them (PatchDict)."""

    kind: CustomerKind = CustomerKind.PERSON
    gender: Gender = Gender.UNKNOWN
    segment: Segment = Segment.INDIVIDUAL
    lifecycle_stage: Stage = Stage.PROSPECT
    tier: Tier = Tier.STANDARD
    source: Source = Source.DEALER
    national_id: str | None = Field(None, max_length=24, description="PRC resident ID; stored hashed and masked")
    home_dealer_id: int | None = Field(None, description="Dealer users may leave it out: their own dealer")
    referred_by_id: int | None = Field(None, description="The customer who referred them (source referral)")
    stage_reason: str = Field("", max_length=500, description="Why lifecycle_stage changes: kept in its history")

    class Meta:
        model = Customer
        fields = ["name", "name_latin", "birth_date", "language", "province", "city"]


class LookupOut(Schema):
    """Deliberately small: the lookup answers a caller's phone number before the agent picks up."""

    id: int
    name: str
    tier: str
    lifecycle_stage: str
    home_dealer_id: int | None


# --- contact points and consent ---------------------------------------------------------------


class ContactPointIn(ModelSchema):
    kind: ContactKind

    class Meta:
        model = ContactPoint
        fields = ["value", "province", "city", "district", "is_primary", "opted_out"]


class ContactPointOut(ModelSchema):
    class Meta:
        model = ContactPoint
        fields = ["id", "kind", "value", "province", "city", "district", "is_primary", "opted_out", "opted_out_at"]


class CustomerCreate(CustomerIn):
    contacts: list[ContactPointIn] = Field(default_factory=list)


class ConsentIn(ModelSchema):
    channel: ConsentChannel
    purpose: ConsentPurpose
    recorded_at: Moment | None = None

    class Meta:
        model = Consent
        fields = ["granted", "how"]


class ConsentChange(Schema):
    """A new answer for the same channel and purpose (those two stay: record another consent for others)."""

    granted: bool
    how: str = Field(max_length=100)
    recorded_at: Moment | None = None


class ConsentOut(ModelSchema):
    class Meta:
        model = Consent
        fields = ["id", "channel", "purpose", "granted", "recorded_at", "how"]


# --- vehicles ---------------------------------------------------------------------------------


class VehicleOut(ModelSchema):
    selling_dealer_id: int | None
    service_unit_id: int | None

    class Meta:
        model = Vehicle
        fields = ["id", "vin", "model", "model_year", "plate", "purchase_date", "warranty_end", "mileage_km", "price"]


class VehicleIn(ModelSchema):
    """Registers a vehicle to a customer; a VIN already known is transferred to them."""

    vin: str = Field(max_length=40, description="17 characters; spaces and dashes are ignored")
    plate: str | None = Field(None, max_length=20)
    price: Decimal | None = Field(None, max_digits=12, decimal_places=2)
    selling_dealer_id: int | None = None

    class Meta:
        model = Vehicle
        fields = ["model", "model_year", "purchase_date", "warranty_end", "mileage_km"]


class VehicleChange(ModelSchema):
    """A vehicle's own data; the VIN never changes, the owner changes by registering it to another customer."""

    plate: str | None = Field(None, max_length=20)
    price: Decimal | None = Field(None, max_digits=12, decimal_places=2)
    service_unit_id: int | None = None

    class Meta:
        model = Vehicle
        fields = ["model", "model_year", "purchase_date", "warranty_end", "mileage_km"]


# --- interactions -----------------------------------------------------------------------------


class InteractionOut(ModelSchema):
    user_id: int | None
    org_unit_id: int | None

    class Meta:
        model = Interaction
        fields = ["id", "channel", "direction", "occurred_at", "subject", "summary", "amount"]


class InteractionIn(ModelSchema):
    channel: Channel
    direction: Direction
    occurred_at: Moment | None = None
    amount: Decimal | None = Field(None, max_digits=12, decimal_places=2)

    class Meta:
        model = Interaction
        fields = ["subject", "summary"]


# --- activities -------------------------------------------------------------------------------


class ActivityOut(ModelSchema):
    customer_id: int | None
    assignee_id: int
    org_unit_id: int | None

    class Meta:
        model = Activity
        fields = ["id", "kind", "summary", "note", "due_at", "important", "urgent", "state", "closed_at",
                  "created_at"]


class ActivityIn(ModelSchema):
    """A new activity; `important` left out: yes for VIP and gold customers. `assignee_id` left
    out: the caller's own."""

    kind: ActivityKind = ActivityKind.CALL
    due_at: Moment
    important: bool | None = None
    urgent: bool = False
    assignee_id: int | None = None

    class Meta:
        model = Activity
        fields = ["summary", "note"]


class ActivityChange(ActivityIn):
    """Any subset; `{"state": "done"}` (or "cancelled") closes it."""

    state: ActivityState | None = None
