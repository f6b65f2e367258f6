"""Contact points, consents and interactions made and changed from the customer 360 page."""

import pytest
from django.urls import reverse

from guanxi.core.roles import Role
from guanxi.customers.models import Consent, ContactPoint, Interaction
from tests.conftest import shared_people
from tests.isolation import ChildAddPageIsolation, PageIsolation

people, org, users, customers = shared_people()


def test_a_dealer_adds_a_phone_and_it_is_stored_normalised(client, users, customers):
    zhang = customers["zhang"]
    client.force_login(users[Role.DEALER_SALES])
    page = client.get(reverse("customers:detail", args=[zhang.pk])).content.decode()
    assert reverse("customers:contact_add", args=[zhang.pk]) in page
    data = {"kind": "phone", "value": "139-1234-5678"}
    response = client.post(reverse("customers:contact_add", args=[zhang.pk]), data)
    assert response.status_code == 302 and response.url.endswith("#contact-points")
    assert zhang.contact_points.get(value="139-1234-5678").normalized == "+8613912345678"


def test_a_bad_phone_is_shown_beside_the_field(client, users, customers):
    client.force_login(users[Role.DEALER_SALES])
    response = client.post(reverse("customers:contact_add", args=[customers["zhang"].pk]),
                           {"kind": "phone", "value": "12"})
    assert response.status_code == 422 and "value" in response.context["form"].errors
    assert response.context["form"]["value"].value() == "12"


def test_opting_out_from_the_edit_page_stamps_when(client, users, customers):
    phone = customers["zhang"].contact_points.get(kind="phone")
    client.force_login(users[Role.DEALER_SALES])
    data = {"kind": "phone", "value": phone.value, "opted_out": "on"}
    assert client.post(reverse("customers:contact_edit", args=[phone.pk]), data).status_code == 302
    phone.refresh_from_db()
    assert phone.opted_out and phone.opted_out_at is not None


def test_deleting_a_contact_point_needs_only_the_right_to_change_the_customer(client, users, customers):
    email = customers["zhang"].contact_points.get(kind="email")
    client.force_login(users[Role.DEALER_SALES])
    assert client.post(reverse("customers:contact_delete", args=[email.pk])).status_code == 302
    assert not ContactPoint.objects.filter(pk=email.pk).exists()


def test_consent_is_recorded_and_a_new_answer_replaces_the_old(client, users, customers):
    zhang = customers["zhang"]
    client.force_login(users[Role.DEALER_SALES])
    url = reverse("customers:consent_add", args=[zhang.pk])
    client.post(url, {"channel": "sms", "purpose": "marketing", "granted": "on", "how": "门店签字"})
    client.post(url, {"channel": "sms", "purpose": "marketing", "how": "电话撤回"})
    consent = Consent.objects.get(customer=zhang, channel="sms", purpose="marketing")
    assert (consent.granted, consent.how) == (False, "电话撤回")


def test_a_service_advisor_logs_a_visit_on_a_customer_it_only_reads(client, users, customers):
    li = customers["li"]
    client.force_login(users[Role.SERVICE_ADVISOR])
    page = client.get(reverse("customers:detail", args=[li.pk])).content.decode()
    assert reverse("customers:interaction_add", args=[li.pk]) in page
    assert reverse("customers:contact_add", args=[li.pk]) not in page  # may not change the customer
    response = client.post(reverse("customers:interaction_add", args=[li.pk]),
                           {"channel": "visit", "direction": "in", "subject": "首保", "summary": "5000 km"})
    assert response.status_code == 302
    logged = Interaction.objects.get(subject="首保")
    assert logged.user == users[Role.SERVICE_ADVISOR] and logged.org_unit.code == "S-SH"


@pytest.mark.parametrize("moment", ["2999-01-01T10:00", "not a time"])
def test_an_implausible_time_is_refused_beside_the_field(client, users, customers, moment):
    client.force_login(users[Role.AGENT])
    response = client.post(reverse("customers:interaction_add", args=[customers["wang"].pk]),
                           {"channel": "phone", "direction": "in", "subject": "x", "occurred_at": moment})
    assert response.status_code == 422 and "occurred_at" in response.context["form"].errors
    assert not Interaction.objects.filter(subject="x").exists()


class TestContactPointPagesIsolation(PageIsolation):
    model = ContactPoint
    detail_url = "customers:contact"
    edit_url, delete_url, delete_action = "customers:contact_edit", "customers:contact_delete", "change"

    @staticmethod
    def objects(customers):
        return list(ContactPoint.objects.order_by("pk"))


class TestChildAddPagesIsolation(ChildAddPageIsolation):
    child_add_pages = [
        ("customers:contact_add", "change", ("customers.customer", "change")),
        ("customers:consent_add", "change", ("customers.customer", "change")),
        ("customers:vehicle_add", "change", ("customers.vehicle", "add")),
        ("customers:interaction_add", "view", ("customers.interaction", "add")),
    ]


def test_a_dealer_registers_a_car_to_its_customer_and_a_known_vin_changes_hands(client, users, customers):
    zhang = customers["zhang"]
    client.force_login(users[Role.DEALER_SALES])
    assert reverse("customers:vehicle_add", args=[zhang.pk]) in client.get(
        reverse("customers:detail", args=[zhang.pk])).content.decode()
    new = {"vin": "1M8GDM9AXKP042788", "model": "ID.4", "model_year": 2024, "plate": "沪A 88888", "mileage_km": 0}
    assert client.post(reverse("customers:vehicle_add", args=[zhang.pk]), new).status_code == 302
    assert zhang.ownerships.filter(vehicle__vin="1M8GDM9AXKP042788", end_date__isnull=True).exists()
    bad = client.post(reverse("customers:vehicle_add", args=[zhang.pk]), {**new, "vin": "1M8GDM9AXKP042789"})
    assert bad.status_code == 422 and "vin" in bad.context["form"].errors  # check digit
    li_car = {**new, "vin": "LSVCC6A48PN000007"}  # 李娜's, another dealer's customer
    taken = client.post(reverse("customers:vehicle_add", args=[zhang.pk]), li_car)
    assert taken.status_code == 422 and "vin" in taken.context["form"].errors
