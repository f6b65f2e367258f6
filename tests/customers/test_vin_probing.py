"""Trying VINs one after another is limited and recorded (issue 8: a dealer could tell whether a VIN exists anywhere
from the answer to registering it: 201 for an unknown VIN, 422 for one registered outside its scope). No answer
can be the same for both while the unknown one is registered, so the refusals are what is counted: past the
hour's limit every registration by the user is refused, whatever the VIN, and the administrators are told."""

from django.test.utils import override_settings
from django.urls import reverse

from guanxi.core import outbox
from guanxi.core.models import Notification
from guanxi.core.roles import Role
from guanxi.customers.models import GuardedLookup, Vehicle
from tests.customers.test_views import valid_vin

LI_CAR = "LSVCC6A48PN000007"  # the conftest customer 李娜's car, at D-SH2: outside the D-SH1 dealer's scope


def register(client, customer, vin):
    return client.post(f"/api/customers/{customer.pk}/vehicles", {"vin": vin, "model": "朗逸 Lavida",
                                                                  "model_year": 2024},
                       content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


@override_settings(GUANXI_VIN_REFUSALS_PER_HOUR=2)
def test_past_the_hour_s_refusals_every_registration_waits_and_the_administrators_are_told(client, users, customers):
    users[Role.ADMIN].is_staff = True
    users[Role.ADMIN].save()
    dealer, zhang = users[Role.DEALER_SALES], customers["zhang"]
    client.force_login(dealer)
    first = register(client, zhang, LI_CAR)
    assert first.status_code == 422 and "outside your scope" in str(first.json()["detail"])
    assert "李娜" not in first.content.decode() and "Tiguan" not in first.content.decode()  # nothing of the car shown
    assert register(client, zhang, valid_vin(501)).status_code == 201  # an unknown VIN is registered
    assert register(client, zhang, LI_CAR).status_code == 422
    # two refusals: from now on no registration tells anything, an unknown VIN's included
    unknown = valid_vin(502)
    refused = register(client, zhang, unknown)
    assert refused.status_code == 429 and "the most allowed" in refused.json()["detail"]
    assert not Vehicle.objects.filter(vin=unknown).exists()
    assert register(client, zhang, LI_CAR).status_code == 429
    assert list(GuardedLookup.objects.filter(kind=GuardedLookup.Kind.VIN_REFUSED).values_list("user", "subject")) == [
        (dealer.pk, LI_CAR), (dealer.pk, LI_CAR)]  # the refusals recorded (the request's rollback undid none)

    outbox.dispatch()
    [notice] = Notification.objects.filter(user=users[Role.ADMIN])
    assert dealer.get_username() in notice.title and "kind__exact=vin_refused" in notice.link
    # another user is not held back by the dealer's refusals
    client.force_login(users[Role.DEALER_MANAGER])
    assert register(client, zhang, valid_vin(503)).status_code == 201


@override_settings(GUANXI_VIN_REFUSALS_PER_HOUR=1)
def test_the_registration_page_records_the_refusal_and_then_says_why_it_waits(client, users, customers):
    client.force_login(users[Role.DEALER_SALES])
    url = reverse("customers:vehicle_add", args=[customers["zhang"].pk])
    form = {"vin": LI_CAR, "model": "朗逸 Lavida", "model_year": 2024, "plate": "", "purchase_date": "",
            "warranty_end": "", "mileage_km": "0", "price": ""}
    first = client.post(url, form, HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == 422 and "outside your scope" in first.content.decode()
    assert GuardedLookup.objects.filter(kind=GuardedLookup.Kind.VIN_REFUSED, subject=LI_CAR).count() == 1
    waits = client.post(url, {**form, "vin": valid_vin(504)}, HTTP_ACCEPT_LANGUAGE="en")
    assert waits.status_code == 429 and "registering vehicles pauses" in waits.content.decode()


def test_searches_by_id_number_do_not_count_against_vehicle_registrations(client, users, customers):
    """Each kind of guarded look-up has its own limit."""
    client.force_login(users[Role.DEALER_SALES])
    with override_settings(GUANXI_ID_LOOKUPS_PER_HOUR=1, GUANXI_VIN_REFUSALS_PER_HOUR=1):
        client.get("/api/lookup", {"q": "11010519491231002X"})
        assert client.get("/api/lookup", {"q": "11010519491231002X"}).status_code == 429
        assert register(client, customers["zhang"], valid_vin(505)).status_code == 201
