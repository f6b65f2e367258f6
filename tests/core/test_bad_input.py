"""Input no form would send, but a script or an attacker can: always a clear refusal, never a 500."""

import pytest

from guanxi.core.roles import Role
from guanxi.customers.models import Customer, Interaction


@pytest.fixture
def agent_client(client, users):
    client.force_login(users[Role.AGENT])
    return client


def test_nul_characters_are_refused_on_the_api_naming_the_field(agent_client, customers):
    before = Customer.objects.count()
    response = agent_client.post("/api/customers", {"name": "赵\x00敏"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "body"
    assert Customer.objects.count() == before
    response = agent_client.get("/api/lookup", {"q": "\x00abc"})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "q"


def test_nul_characters_in_the_search_box_are_a_bad_request(agent_client, customers):
    assert agent_client.get("/customers/search/", {"q": "\x00"}).status_code == 400


@pytest.mark.parametrize("page", ["10" * 15, str(2**62), "-3", "abc"])
def test_absurd_page_numbers_show_the_first_page(agent_client, customers, page):
    response = agent_client.get("/customers/", {"page": page})
    assert response.status_code == 200 and "张伟" in response.content.decode()
    zhang = customers["zhang"].pk
    assert agent_client.get(f"/customers/{zhang}/", {"timeline_page": page}).status_code == 200


@pytest.mark.parametrize(
    "moment, message",
    [("9999-12-31T23:59:59-05:00", "year"), ("2026-11-23T09:30:00", "time zone")],
)
def test_implausible_or_zoneless_times_are_refused(agent_client, customers, moment, message):
    zhang = customers["zhang"].pk
    body = {"channel": "phone", "direction": "in", "subject": "回访", "occurred_at": moment}
    response = agent_client.post(f"/api/customers/{zhang}/interactions", body, content_type="application/json")
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["field"] == "occurred_at" and message in error["msg"]
    assert not Interaction.objects.exists()
