"""The routing policy as data a supervisor edits: validated when saved, simulated in a dry run beside the policy
in force before it may be saved, then used by the claims; supervisors and administrators only."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from guanxi.contact_center import services
from guanxi.contact_center.models import Agent, RoutingPolicyVersion
from guanxi.contact_center.policies import FIFO, SLA_AWARE, VALUE
from guanxi.core.roles import Role

URL = reverse("contact_center:routing_policy")
SCENARIO = {"agents": "14", "calls_per_interval": "100", "hours": "4", "share_vip": "20", "share_gold": "10",
            "share_silver": "0", "share_standard": "70"}
ALLOWED = {Role.ADMIN, Role.SUPERVISOR}


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def dry_run(client, policy, **extra):
    text = policy if isinstance(policy, str) else json.dumps(policy)
    return client.post(URL, {**SCENARIO, "policy": text, "dry_run": "", **extra}, HTTP_ACCEPT_LANGUAGE="en")


def test_the_editor_is_for_supervisors_and_administrators(client, users):
    for key, user in users.items():
        client.force_login(user)
        allowed = key in ALLOWED
        assert client.get(URL).status_code == (200 if allowed else 403), key
        assert (URL in client.get(reverse("home")).content.decode()) == allowed, key  # the menu entry
        response = dry_run(client, FIFO)
        assert response.status_code == (200 if allowed else 403), key
        saved = client.post(URL, {**SCENARIO, "policy": json.dumps(FIFO), "save": "",
                                  "checked": services.policy_fingerprint(FIFO)})
        assert saved.status_code == (302 if allowed else 403), key
        RoutingPolicyVersion.objects.all().delete()
    client.logout()
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response.url


def test_the_page_shows_the_policy_in_force(client, users):
    client.force_login(users[Role.SUPERVISOR])
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert json.loads(page.context["form"].initial["policy"]) == VALUE
    assert "None saved yet" in page.content.decode() and 'name="save"' not in page.content.decode()


def test_a_dry_run_compares_the_edit_with_the_policy_in_force_and_then_it_may_be_saved(client, users):
    supervisor = users[Role.SUPERVISOR]
    client.force_login(supervisor)
    response = dry_run(client, SLA_AWARE)
    assert response.status_code == 200 and not response.context["form"].errors
    rows = {row["tier"]: row for row in response.context["comparison"]}
    assert list(rows) == ["vip", "gold", "standard", "overall"]  # the tiers simulated, customer order
    assert rows["overall"]["proposed"]["offered"] == rows["overall"]["current"]["offered"] > 0  # same callers
    assert rows["standard"]["proposed"]["service_level"] > rows["standard"]["current"]["service_level"]
    assert not RoutingPolicyVersion.objects.exists()  # a dry run saves nothing
    page = response.content.decode()
    assert 'name="save"' in page and services.policy_fingerprint(SLA_AWARE) in page

    saved = client.post(URL, {**SCENARIO, "policy": json.dumps(SLA_AWARE), "note": "SL target first", "save": "",
                              "checked": response.context["form"]["checked"].value()}, HTTP_ACCEPT_LANGUAGE="en")
    assert saved.status_code == 302
    [version] = RoutingPolicyVersion.objects.all()
    assert (version.data, version.saved_by, version.note) == (SLA_AWARE, supervisor, "SL target first")
    assert services.current_policy().service_level_target_seconds == 20
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The routing policy is saved and in force." in page and "SL target first" in page


def test_saving_needs_a_dry_run_of_the_policy_as_it_stands(client, users):
    client.force_login(users[Role.ADMIN])
    simulated = dry_run(client, SLA_AWARE).context["form"]["checked"].value()
    edited = {**SLA_AWARE, "service_level_target_seconds": 30}  # changed after the dry run
    response = client.post(URL, {**SCENARIO, "policy": json.dumps(edited), "save": "", "checked": simulated},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Run the dry run on this policy before saving it." in response.context["form"].errors["policy"]
    assert not RoutingPolicyVersion.objects.exists()


@pytest.mark.parametrize("policy, message", [
    ("{not json", "Not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ({**VALUE, "tier_priority": {"vip": 300, "standard": 0}},
     "every customer tier a priority; missing: gold, silver (their contacts would never be routed)"),
    ({**VALUE, "tier_priority": {**VALUE["tier_priority"], "platinum": 400}}, "tiers customers do not have: platinum"),
    ({**VALUE, "aging": 2}, "unknown fields: aging"),
    ({**VALUE, "fallback": {"action": "reroute", "skills": {"complaints": 1}}}, "unknown skills: complaints"),
    ({**VALUE, "expansion_steps": [{"after_seconds": 30, "min_proficiency": 9}]}, "min_proficiency must be from 1"),
])
def test_a_bad_policy_is_refused_beside_the_field_and_nothing_is_saved(client, users, policy, message):
    Agent.objects.create(user=users[Role.AGENT], skills={"warranty": 3}, capacity={"voice": 1})
    client.force_login(users[Role.SUPERVISOR])
    response = dry_run(client, policy)
    assert response.status_code == 200 and response.context["comparison"] is None
    assert any(message in error for error in response.context["form"].errors["policy"]), response.context["form"].errors
    text = policy if isinstance(policy, str) else json.dumps(policy)
    response = client.post(URL, {**SCENARIO, "policy": text, "save": "", "checked": "forged"})
    assert response.status_code == 200 and response.context["form"].errors
    assert not RoutingPolicyVersion.objects.exists()


def test_a_scenario_without_callers_is_refused(client, users):
    client.force_login(users[Role.SUPERVISOR])
    response = dry_run(client, VALUE, share_vip="0", share_gold="0", share_standard="0")
    assert "Give at least one tier a share of the contacts." in response.context["form"].non_field_errors()


def test_the_claims_and_the_jobs_follow_the_saved_policy(users):
    agent = Agent.objects.create(user=users[Role.AGENT], state=Agent.State.AVAILABLE, capacity={"voice": 2})
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    old_standard = services.enqueue_contact("voice", arrival=now - dt.timedelta(seconds=60))
    new_vip = services.enqueue_contact("voice", tier="vip", arrival=now - dt.timedelta(seconds=5))
    services.save_policy(users[Role.SUPERVISOR], FIFO, "first come, first served")
    assert services.claim_next_contact(agent, now=now).pk == old_standard.pk  # FIFO: the VIP no longer jumps
    services.save_policy(users[Role.ADMIN], {**FIFO, "reservation_timeout_seconds": 100})
    assert services.release_expired_offers(now=now + dt.timedelta(seconds=60)) == 0  # the saved timeout applies
    assert services.claim_next_contact(agent, now=now).pk == new_vip.pk
    assert [v.note for v in services.policy_history(users[Role.SUPERVISOR])] == ["", "first come, first served"]


def test_only_those_allowed_may_save_through_the_service(users):
    with pytest.raises(PermissionDenied):
        services.save_policy(users[Role.AGENT], FIFO)
    with pytest.raises(ValidationError) as error:
        services.save_policy(users[Role.SUPERVISOR], {"tier_priority": {"vip": 1}})
    assert "policy" in error.value.message_dict
    assert not RoutingPolicyVersion.objects.exists()
