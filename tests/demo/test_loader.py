"""Loading into the real database: counts, valid keys, appending, the audit entry, spend consistency."""

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.db.models import Count, Sum

from guanxi.core.models import OrgUnit, User
from guanxi.customers import services
from guanxi.customers.models import ContactPoint, Customer, Interaction, Ownership, StageChange, Vehicle
from guanxi.customers.normalize import normalize_email, normalize_phone, normalize_vin
from guanxi.demo.catalog import CITIES
from guanxi.demo.loader import load
from guanxi.demo.orgtree import build_org_tree
from guanxi.demo.users import ensure_demo_users
from tests.demo.national_ids import recover_national_id

pytestmark = pytest.mark.django_db

CUSTOMERS = 300


@pytest.fixture
def loaded():
    return load(CUSTOMERS, seed=7, chunk_size=120, progress=False)


def test_the_org_tree_is_built(loaded):
    kinds = dict(OrgUnit.objects.values_list("kind").annotate(n=Count("id")))
    assert kinds == {"hq": 1, "region": 4, "dealer": 40, "service_station": 10, "call_center": 1}
    assert OrgUnit.objects.filter(kind="dealer", has_service=True).count() > 30
    assert OrgUnit.objects.get(code="D001").parent.code == "R-EAST"


def test_the_report_counts_what_is_in_the_database(loaded):
    assert Customer.objects.count() == CUSTOMERS == loaded.rows["customers"]
    assert Vehicle.objects.count() == loaded.rows["vehicles"]
    assert Interaction.objects.count() == loaded.rows["interactions"]
    assert StageChange.objects.count() == loaded.rows["stage_changes"]
    assert 0.9 <= Vehicle.objects.count() / CUSTOMERS <= 1.7
    assert 8 <= Interaction.objects.count() / CUSTOMERS <= 12


def test_stored_vins_phones_and_emails_are_valid(loaded):
    assert all(normalize_vin(vin) == vin for vin in Vehicle.objects.values_list("vin", flat=True))
    for value, normalized in ContactPoint.objects.filter(kind="phone").values_list("value", "normalized"):
        assert normalize_phone(value) == normalized
    for value, normalized in ContactPoint.objects.filter(kind="email").values_list("value", "normalized"):
        assert normalize_email(value) == normalized


def test_service_units_serve_cars_with_plates_of_their_city(loaded):
    serviced = Vehicle.objects.filter(service_unit__isnull=False).values_list("plate", "service_unit__city")
    assert serviced and all(plate[:2] == CITIES[city].plate_prefix for plate, city in serviced)


def test_a_loaded_id_number_is_found_by_the_product_search(loaded):
    """Hashed with the installation's key, as customers.services does: an agent searching by the
    number finds the customer."""
    build_org_tree()
    ensure_demo_users()
    agent = User.objects.get(username="agent")
    with_id = Customer.objects.exclude(national_id_hash="").order_by("pk")
    assert 0.3 <= with_id.count() / Customer.objects.filter(kind="person").count() <= 0.6
    for customer in with_id[:3]:
        number = recover_national_id(customer.national_id_hash, customer.national_id_masked, customer.birth_date,
                                     customer.city, settings.GUANXI_PII_KEY)
        assert number and list(services.lookup(agent, number)) == [customer]


def test_lifetime_spend_matches_the_stored_timeline(loaded):
    spent = dict(Interaction.objects.filter(amount__isnull=False).values_list("customer").annotate(s=Sum("amount")))
    for customer_id, spend in Customer.objects.values_list("id", "lifetime_spend"):
        assert spend == spent.get(customer_id, 0)


def test_loading_again_appends_without_collisions(loaded):
    again = load(CUSTOMERS, seed=7, progress=False)
    assert Customer.objects.count() == 2 * CUSTOMERS
    assert Vehicle.objects.count() == loaded.rows["vehicles"] + again.rows["vehicles"]
    phones = ContactPoint.objects.filter(kind="phone")
    assert phones.values("normalized").distinct().count() == phones.count() == 2 * CUSTOMERS
    assert OrgUnit.objects.filter(kind="dealer").count() == 40


def test_the_application_inserts_after_the_loaded_ids(loaded):
    customer = Customer.objects.create(name="新客户")
    assert customer.pk > Customer.objects.exclude(pk=customer.pk).order_by("-pk").values_list("pk", flat=True)[0]


def test_each_current_vehicle_has_one_owner_and_some_have_a_history(loaded):
    assert not Ownership.objects.filter(end_date__isnull=True).values("vehicle").annotate(
        n=Count("id")).filter(n__gt=1).exists()
    assert Ownership.objects.filter(end_date__isnull=False).exists()


def test_one_audit_entry_records_the_load(loaded):
    entry = LogEntry.objects.get(object_repr__startswith="demo data set")
    assert entry.additional_data["channel"] == "import"
    assert entry.additional_data["rows"]["customers"] == CUSTOMERS


def test_every_reference_points_at_an_existing_row(loaded):
    """On PostgreSQL the loader may skip the per-row foreign-key triggers: the generator must be right."""
    customers, vehicles, units = Customer.objects.all(), Vehicle.objects.all(), OrgUnit.objects.all()
    for model in (ContactPoint, Ownership, Interaction, StageChange):
        assert not model.objects.exclude(customer__in=customers).exists()
    assert not Ownership.objects.exclude(vehicle__in=vehicles).exists()
    assert not Interaction.objects.exclude(org_unit__in=units).exists()
    assert not Interaction.objects.filter(link_id__isnull=False).exclude(link_id__in=vehicles.values("id")).exists()
    assert not Vehicle.objects.exclude(selling_dealer__in=units.filter(kind="dealer")).exists()
    assert not Vehicle.objects.filter(service_unit__isnull=False).exclude(service_unit__has_service=True).exists()
    assert not Customer.objects.exclude(home_dealer__in=units.filter(kind="dealer")).exists()


def test_loading_nothing_writes_nothing_but_the_org_tree():
    report = load(0, progress=False)
    assert report.total_rows == 0 and not Customer.objects.exists()
    assert OrgUnit.objects.filter(code="S010").exists()
