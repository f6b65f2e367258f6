"""A role's sign-in policy (core.signin): the session's length and a second factor (TOTP)."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanxi.core.models import Membership, RolePolicy
from guanxi.core.roles import Role
from tests.conftest import PASSWORD


def sign_in(user) -> Client:
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def policy(role: str, **fields) -> RolePolicy:
    return RolePolicy.objects.update_or_create(role=Group.objects.get(name=role), defaults=fields)[0]


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_a_session_lasts_what_the_role_asks_and_the_shortest_of_several(users, settings, org):
    agent = users[Role.AGENT]
    assert sign_in(agent).session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    policy(Role.AGENT, session_hours=8)
    assert sign_in(agent).session.get_expiry_age() == 8 * 3600
    policy(Role.SUPERVISOR, session_hours=4)
    Membership.objects.create(user=agent, org_unit=org["CC"], role=Group.objects.get(name=Role.SUPERVISOR))
    assert sign_in(agent).session.get_expiry_age() == 4 * 3600
    assert sign_in(users[Role.DEALER_SALES]).session.get_expiry_age() == settings.SESSION_COOKIE_AGE


@pytest.fixture
def agents_need_a_code(users):
    policy(Role.AGENT, second_factor=True)
    return users[Role.AGENT]


def test_nothing_opens_before_the_code_and_the_first_code_sets_the_app_up(agents_need_a_code):
    client = sign_in(agents_need_a_code)
    response = client.get("/customers/")
    assert response.status_code == 302 and response["Location"] == "/second-factor/?next=%2Fcustomers%2F"
    assert client.get("/api/customers").status_code == 403  # the session's API calls too
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<svg" in page and "Set up your authenticator app" in page
    key = re.search(r'<code class="mono">([A-Z2-7 ]+)</code>', page).group(1)
    device = TOTPDevice.objects.get(user=agents_need_a_code)
    assert key.replace(" ", "") and not device.confirmed

    wrong = client.post("/second-factor/", {"code": "000000", "next": "/customers/"})
    assert wrong.status_code == 422 and client.get("/customers/").status_code == 302
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code's pause is tested below
    device.save()
    right = client.post("/second-factor/", {"code": code_for(device), "next": "/customers/"})
    assert right.status_code == 302 and right["Location"] == "/customers/"
    assert client.get("/customers/").status_code == 200 and client.get("/api/customers").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_once_set_up_a_sign_in_asks_only_for_the_code(agents_need_a_code):
    device = TOTPDevice.objects.create(user=agents_need_a_code, name="Guanxi", confirmed=True)
    client = sign_in(agents_need_a_code)
    page = client.get("/second-factor/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<svg" not in page and "Code from your authenticator app" in page
    assert client.post("/second-factor/", {"code": code_for(device)}).status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_codes_pause_even_the_right_one(agents_need_a_code):
    device = TOTPDevice.objects.create(user=agents_need_a_code, name="Guanxi", confirmed=True)
    client = sign_in(agents_need_a_code)
    for _ in range(3):
        assert client.post("/second-factor/", {"code": "000000"}).status_code == 422
    assert client.post("/second-factor/", {"code": code_for(device)}).status_code == 422
    assert client.get("/customers/").status_code == 302


def test_an_outside_next_address_is_not_followed(agents_need_a_code):
    device = TOTPDevice.objects.create(user=agents_need_a_code, name="Guanxi", confirmed=True)
    client = sign_in(agents_need_a_code)
    response = client.post("/second-factor/", {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_roles_without_the_policy_are_not_asked(agents_need_a_code, users):
    client = sign_in(users[Role.DEALER_SALES])
    assert client.get("/customers/").status_code == 200
