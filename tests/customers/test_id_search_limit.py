"""Searches by national ID number are limited per user and hour, recorded, and a burst is
reported to the administrators (issue 8: a dealer once recovered a customer's full ID number
from the masked one, the birth date and 86 look-ups in 1.1 s)."""

import json

from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from stdnum.cn import ric

from guanxi.core import outbox
from guanxi.core.models import ApiToken, Notification
from guanxi.customers.models import GuardedLookup
from tests.core.lean_client import LeanClient

ZHANG_ID = "11010519491231002X"  # the conftest customer 张伟 (D-SH1): masked ****************2X


def candidates() -> list[str]:
    """What the attack tried: the birth date and the last two characters (the mask) known, the
    district one of Beijing's; about nine candidates a district have the right check digit."""
    found = []
    for district in range(101, 120):
        for sequence in range(100):
            candidate = f"110{district}19491231{sequence:02d}2X"
            if ric.is_valid(candidate):
                found.append(candidate)
    found.remove(ZHANG_ID)
    return found + [ZHANG_ID]  # the right one last: the attacker is unlucky


@override_settings(GUANXI_ID_LOOKUPS_PER_HOUR=10)
def test_the_id_recovery_is_stopped_before_the_eleventh_candidate(users, customers):
    assert len(candidates()) >= 11
    users["admin"].is_staff = True  # an administrator, who reviews the searches in the admin
    users["admin"].save()
    _, raw = ApiToken.issue(users["dealer_sales"], "x")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    answers = []
    for candidate in candidates():
        response = client.get("/api/lookup", {"q": candidate})
        answers.append(response.status_code)
        if response.status_code == 429:
            assert "10 次" in response.json()["detail"]  # in Chinese, the default language
            break
        assert response.json() == []
    assert answers == [200] * 10 + [429]
    assert GuardedLookup.objects.filter(user=users["dealer_sales"]).count() == 10
    # the lean path refuses it the same way
    lean = LeanClient().get("/api/lookup", {"q": ZHANG_ID}, token=raw)
    assert lean.status == 429 and not lean.lean
    # a phone number still works: only the guessable identifier is limited
    assert client.get("/api/lookup", {"q": "138 0013 8000"}).json()[0]["id"] == customers["zhang"].pk

    outbox.dispatch()
    [notice] = Notification.objects.filter(user=users["admin"])
    assert "u_dealer_sales" in notice.title and f"user__id__exact={users['dealer_sales'].pk}" in notice.link
    client.get("/api/lookup", {"q": ZHANG_ID})
    outbox.dispatch()
    assert Notification.objects.filter(user=users["admin"]).count() == 1  # told once an hour, not per refusal


@override_settings(GUANXI_ID_LOOKUPS_PER_HOUR=1)
def test_the_search_box_says_why_it_refuses(client, users, customers):
    client.force_login(users["agent"])
    first = client.post(reverse("customers:search"), {"q": ZHANG_ID})
    assert first.status_code == 302  # one hit opens the 360 page
    refused = client.post(reverse("customers:search"), {"q": ZHANG_ID}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and "searched by ID number 1 times" in refused.content.decode()


def test_every_search_by_id_number_is_recorded_with_who_and_when(client, users, customers):
    client.force_login(users["agent"])
    hits = json.loads(client.get("/api/lookup", {"q": ZHANG_ID}).content)
    assert [hit["id"] for hit in hits] == [customers["zhang"].pk]
    [search] = GuardedLookup.objects.all()
    assert search.user == users["agent"] and search.at is not None


def test_a_second_customer_with_the_same_id_number_is_saved_and_head_office_told(client, users, customers):
    """Refusing would tell the dealer that a customer it may not see exists (issue 8)."""
    users["admin"].is_staff = True
    users["admin"].save()
    client.force_login(users["other_dealer"])  # D-GZ1: does not see 张伟
    response = client.post("/api/customers", {"name": "张伟", "national_id": ZHANG_ID},
                           content_type="application/json")
    assert response.status_code == 201 and "another" not in response.content.decode().lower()
    outbox.dispatch()
    told = Notification.objects.filter(event__name="customers.customer.possible_duplicate")
    [notice] = told.filter(user=users["admin"])
    assert notice.link == reverse("customers:detail", args=[response.json()["id"]])
    assert not told.filter(user=users["other_dealer"]).exists()
