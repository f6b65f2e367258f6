"""The tables the demo fills, in foreign-key order, and the column order of the rows for each.

The generator emits plain tuples (cheap to build by the million) and the writers turn them
into COPY or INSERT statements; this module is the one contract between the two. Columns
left out take their model default of NULL; every NOT NULL column is listed.
"""

from typing import NamedTuple


class Table(NamedTuple):
    key: str
    model_label: str  # "app_label.ModelName"
    columns: tuple[str, ...]  # model field attnames, in the order of the generated tuples


CUSTOMERS = Table("customers", "customers.Customer", (
    "id", "kind", "name", "name_latin", "gender", "birth_date", "national_id_hash", "national_id_masked",
    "segment", "lifecycle_stage", "tier", "source", "home_dealer_id", "language", "province", "city",
    "lifetime_spend", "currency", "created_at", "updated_at", "name_pinyin", "name_initials", "given_name",
    "referred_by_id",
))
CONTACT_POINTS = Table("contact_points", "customers.ContactPoint", (
    "id", "customer_id", "kind", "value", "normalized", "province", "city", "district", "is_primary",
    "opted_out", "opted_out_at",
))
CONSENTS = Table("consents", "customers.Consent", (
    "id", "customer_id", "channel", "purpose", "granted", "recorded_at", "how",
))
VEHICLES = Table("vehicles", "customers.Vehicle", (
    "id", "vin", "model", "model_year", "plate", "purchase_date", "selling_dealer_id", "service_unit_id",
    "warranty_end", "mileage_km", "price",
))
OWNERSHIPS = Table("ownerships", "customers.Ownership", ("id", "vehicle_id", "customer_id", "start_date", "end_date"))
INTERACTIONS = Table("interactions", "customers.Interaction", (
    "id", "customer_id", "channel", "direction", "occurred_at", "org_unit_id", "user_id", "subject", "summary",
    "amount", "link_type_id", "link_id",
))
STAGE_CHANGES = Table("stage_changes", "customers.StageChange", (
    "id", "customer_id", "from_stage", "to_stage", "changed_at", "channel",
))

TABLES = (CUSTOMERS, CONTACT_POINTS, CONSENTS, VEHICLES, OWNERSHIPS, INTERACTIONS, STAGE_CHANGES)
