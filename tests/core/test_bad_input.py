"""Input no form would send, but a script or an attacker can: always a clear refusal, never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.core.roles import Role
from guanxi.customers.models import Customer, Interaction


@pytest.fixture
def agent_client(client, users):
    client.force_login(users[Role.AGENT])
    return client


def test_nul_characters_are_refused_on_the_api_naming_the_field(agent_client, customers):
    before = Customer.objects.count()
    response = agent_client.post("/api/customers", {"name": "赵\x00敏"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "name"
    response = agent_client.post("/api/customers", {"name": "赵敏", "contacts": [{"kind": "phone", "value": "1\x002"}]},
                                 content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "contacts[0].value"
    assert Customer.objects.count() == before
    response = agent_client.get("/api/lookup", {"q": "\x00abc"})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "q"


def test_nul_characters_in_the_search_box_are_a_bad_request(agent_client, customers):
    assert agent_client.get("/customers/search/", {"q": "\x00"}).status_code == 400
    assert agent_client.post("/customers/search/", {"q": "张\x00"}).status_code == 400


def test_uploaded_files_may_hold_nul_bytes(agent_client, customers):
    """Every .xlsx, .zip or image holds NUL bytes: only the form's text fields are checked."""
    workbook = SimpleUploadedFile("customers.xlsx", b"PK\x03\x04\x00\x00\x00" * 1000)
    response = agent_client.post("/customers/search/", {"q": "张伟", "file": workbook})
    assert response.status_code == 302  # one hit: the search opened the customer


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(agent_client, settings):
    settings.GUANXI_MAX_UPLOAD_BYTES = 2**20
    big = SimpleUploadedFile("big.xlsx", b"\x00" * (2**20 + 1))
    response = agent_client.post("/customers/search/", {"q": "x", "file": big})
    assert response.status_code == 413 and "1 MB" in response.content.decode()
    response = agent_client.post("/api/customers", {"name": "x" * 2**20}, content_type="application/json")
    assert response.status_code == 413 and response.json()["detail"][0]["field"] == "body"


def test_json_larger_than_the_form_data_limit_is_a_clear_413(agent_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = agent_client.post("/api/customers", {"name": "x" * 2000}, content_type="application/json")
    assert response.status_code == 413 and "send files as uploads" in response.json()["detail"][0]["msg"]


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
