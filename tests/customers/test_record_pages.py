"""The pages of a customer's records (contact points, consents, interactions, vehicles): detail,
edit, delete, bulk edit and the contact-point list, from the generic views, each holding the
generic isolation tests; then what users do on them."""

import csv
import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone

from guanxi.core.models import User
from guanxi.core.roles import Role
from guanxi.customers import services
from guanxi.customers.models import Consent, ContactPoint, Customer, Interaction, Vehicle
from tests.conftest import shared_people
from tests.isolation import BulkEditIsolation, ListPageIsolation, PageIsolation

people, org, users, customers = shared_people()


def _user(role: str) -> User:
    return User.objects.get(username=f"u_{role}")


def _consents(customers) -> list[Consent]:
    for customer in customers.values():
        services.record_consent(_user(Role.ADMIN), customer.pk,
                                {"channel": "sms", "purpose": "marketing", "granted": True, "how": "门店签字"})
    return list(Consent.objects.order_by("pk"))


def _timeline(customers) -> list[Interaction]:
    for customer in customers.values():
        services.add_interaction(_user(Role.ADMIN), customer.pk,
                                 {"channel": "phone", "direction": "out", "subject": f"回访 {customer.name}"})
    services.add_interaction(_user(Role.SERVICE_ADVISOR), customers["li"].pk,
                             {"channel": "visit", "direction": "in", "subject": "保养"})
    return list(Interaction.objects.order_by("pk"))


class TestConsentPagesIsolation(PageIsolation):
    model = Consent
    detail_url, edit_url = "customers:consent", "customers:consent_edit"
    objects = staticmethod(_consents)


class TestInteractionPagesIsolation(PageIsolation):
    model = Interaction
    detail_url, edit_url = "customers:interaction", "customers:interaction_edit"
    delete_url = "customers:interaction_delete"
    objects = staticmethod(_timeline)


class TestContactPointListIsolation(ListPageIsolation):
    model, list_url = ContactPoint, "customers:contact_points"


class TestCustomerBulkEditIsolation(BulkEditIsolation):
    model, bulk_url, change = Customer, "customers:bulk_edit", {"tier": "vip"}
    objects = staticmethod(lambda customers: list(customers.values()))


class TestVehicleBulkEditIsolation(BulkEditIsolation):
    model, bulk_url, change = Vehicle, "customers:vehicle_bulk_edit", {"warranty_end": "2031-12-31"}
    objects = staticmethod(lambda customers: list(Vehicle.objects.order_by("pk")))


class TestContactPointBulkEditIsolation(BulkEditIsolation):
    model, bulk_url, change = ContactPoint, "customers:contact_bulk_edit", {"opted_out": "yes"}
    objects = staticmethod(lambda customers: list(ContactPoint.objects.order_by("pk")))


class TestConsentBulkEditIsolation(BulkEditIsolation):
    model, bulk_url, change = Consent, "customers:consent_bulk_edit", {"granted": "no", "how": "电话撤回"}
    objects = staticmethod(_consents)


class TestInteractionBulkEditIsolation(BulkEditIsolation):
    model, bulk_url, change = Interaction, "customers:interaction_bulk_edit", {"channel": "email"}
    objects = staticmethod(_timeline)


def test_the_contact_point_list_filters_and_exports_what_it_shows(client, users, customers):
    client.force_login(users[Role.SUPERVISOR])
    page = client.get(reverse("customers:contact_points"), {"kind": "email"})
    assert [row.record.value for row in page.context["table"].paginated_rows] == ["Zhang.Wei@Example.cn"]
    export = client.get(reverse("export_list", args=["contact_points"]), {"format": "csv", "kind": "phone"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert {row[0] for row in rows[1:]} == {"138 0013 8000", "13700137000", "13900139000"}


def test_many_numbers_are_opted_out_at_once_and_stamped(client, users, customers):
    phones = list(ContactPoint.objects.filter(kind="phone", customer=customers["zhang"]))
    client.force_login(users[Role.DEALER_SALES])
    listing = client.get(reverse("customers:contact_points")).content.decode()
    assert reverse("customers:contact_bulk_edit") in listing
    done = client.post(reverse("customers:contact_bulk_edit"),
                       {"pk": [p.pk for p in phones], "apply": "1", "opted_out": "yes"})
    assert done.status_code == 302
    assert all(p.opted_out and p.opted_out_at for p in ContactPoint.objects.filter(pk__in=[p.pk for p in phones]))


def test_an_interaction_page_shows_what_was_logged_and_its_unit_corrects_it(client, users, customers):
    entry = services.add_interaction(users[Role.SERVICE_ADVISOR], customers["li"].pk,
                                     {"channel": "visit", "direction": "in", "subject": "首保", "summary": "5000 km",
                                      "occurred_at": timezone.make_aware(dt.datetime(2026, 3, 1, 9, 30))})
    client.force_login(users[Role.SERVICE_ADVISOR])
    page = client.get(reverse("customers:interaction", args=[entry.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200 and "首保" in text and "1 Mar 2026 09:30" in text and "Visit" in text
    assert reverse("customers:interaction_edit", args=[entry.pk]) in text
    assert reverse("customers:interaction_delete", args=[entry.pk]) not in text  # only administrators delete
    fixed = client.post(reverse("customers:interaction_edit", args=[entry.pk]),
                        {"channel": "visit", "direction": "in", "subject": "首次保养", "summary": "5,000 km"})
    assert fixed.status_code == 302
    entry.refresh_from_db()
    assert (entry.subject, entry.occurred_at.date()) == ("首次保养", dt.date(2026, 3, 1))  # the time left empty stays


def test_a_vehicle_with_an_earlier_owner_is_not_deleted_and_the_page_says_why(client, users, customers):
    car = Vehicle.objects.get(ownerships__customer=customers["zhang"])
    services.add_vehicle(users[Role.ADMIN], customers["wang"].pk, {"vin": car.vin, "model": car.model,
                                                                  "model_year": car.model_year})
    client.force_login(users[Role.ADMIN])
    refused = client.post(reverse("customers:vehicle_delete", args=[car.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422 and "has history" in refused.content.decode()
    assert Vehicle.objects.filter(pk=car.pk).exists()
    mistake = services.add_vehicle(users[Role.ADMIN], customers["wang"].pk,
                                   {"vin": "1M8GDM9AXKP042788", "model": "ID.4", "model_year": 2024})
    gone = client.post(reverse("customers:vehicle_delete", args=[mistake.pk]))
    assert gone.status_code == 302 and gone.url == reverse("customers:vehicles")
    assert not Vehicle.objects.filter(pk=mistake.pk).exists()


def test_a_consent_page_records_the_new_answer(client, users, customers):
    [consent, *_] = _consents(customers)
    client.force_login(users[Role.AGENT])
    assert client.post(reverse("customers:consent_edit", args=[consent.pk]), {"how": "电话撤回"}).status_code == 302
    consent.refresh_from_db()
    assert (consent.channel, consent.granted, consent.how) == ("sms", False, "电话撤回")


def test_a_record_page_speaks_chinese_in_every_label(client, users, customers):
    """The detail pages once showed "Customer" in English among Chinese labels."""
    [entry, *_] = _timeline(customers)
    client.force_login(users[Role.ADMIN])
    page = client.get(reverse("customers:interaction", args=[entry.pk]))
    labels = [str(label) for label, _value in page.context["facts"]]
    assert labels[0] == "客户" and all(not label.isascii() for label in labels), labels
