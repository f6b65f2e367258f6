"""The supervisor's wallboard and the agents' state log (issue 11, item 4): every change of an agent's state is
logged through the real services and the voice channel; the wallboard's figures for a floor seeded through the
services equal what was seeded; alerts appear on a breach and not otherwise; a supervisor edits an agent's skills
with each error beside its field; who may see and do what."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from guanxi.contact_center import services, voice, wallboard
from guanxi.contact_center.models import Agent, AgentStateChange, QueuedContact
from guanxi.contact_center.policies import VALUE
from guanxi.core.roles import Role
from tests.contact_center.test_kpis import _in_english, at, picked  # noqa: F401 - the fixture applies here too

API = "/api/contact-center/wallboard"
ALLOWED = {Role.ADMIN, Role.SUPERVISOR}  # the roles holding view_wallboard and change_agent


def log_of(agent: Agent) -> list[tuple[str, dt.datetime]]:
    return list(AgentStateChange.objects.filter(agent=agent).order_by("at", "pk").values_list("state", "at"))


# ---- the state log


def test_every_change_of_an_agent_s_state_is_logged_once_with_its_time(users, customers, settings):
    """The state buttons, claims, declines, lapsed and missed offers, transfers, completions, click-to-dial and
    abandoned calls each write the agents' state changes, and nothing is written when the state stays. Calls end
    straight into availability here; test_voice follows an agent through after-call work."""
    settings.GUANXI_AFTER_CALL_WORK_SECONDS = 0
    a = Agent.objects.create(user=users[Role.SUPERVISOR], extension="8001", skills={"warranty": 3},
                             capacity={"voice": 1})
    b = Agent.objects.create(user=users[Role.AGENT], extension="8002", skills={"warranty": 3}, capacity={"voice": 1})
    services.set_agent_state(a, "available", now=at("09:00:00"))
    services.set_agent_state(a, "available", now=at("09:00:30"))  # already: no row
    services.set_agent_state(b, "available", now=at("09:00:00"))
    voice.call_offered("c1", "02100000001", at("09:01:00"))  # rings A (idle the longest, then the lowest id)
    c1 = QueuedContact.objects.get(external_id="c1")
    services.decline_offer(a, c1.pk, now=at("09:01:05"))  # A on a break, the call rings B
    voice.call_missed("c1", at("09:01:20"))  # B on a break too; nobody is free
    services.set_agent_state(b, "available", now=at("09:02:00"))  # and takes the waiting call at once
    voice.call_answered("c1", "8002", at("09:02:05"))
    services.set_agent_state(a, "available", now=at("09:03:00"))
    voice.call_transferred("c1", extension="8001", at=at("09:04:00"))  # A has it, B is free
    voice.call_ended("c1", at("09:05:00"))
    c2 = services.enqueue_contact("voice", arrival=at("09:06:00"))
    services.claim_next_contact(a, now=at("09:06:00"))
    services.release_expired_offers(now=at("09:06:30"))  # A let it lapse: a break; B has it
    services.accept_offer(b, c2.pk, now=at("09:06:35"))
    services.complete_contact(b, c2.pk, now=at("09:07:00"))
    services.start_outbound(b, customers["zhang"], "voice", party="13800138000", external_id="o1", now=at("09:08:00"))
    voice.call_ended("o1", at("09:09:00"))
    voice.call_offered("c3", "02100000003", at("09:10:00"))  # rings B (A is on a break) ...
    voice.call_ended("c3", at("09:10:08"))  # ... and the caller hangs up
    services.set_agent_state(b, "offline", now=at("09:30:00"))

    assert log_of(a) == [("available", at("09:00:00")), ("busy", at("09:01:00")), ("break", at("09:01:05")),
                         ("available", at("09:03:00")), ("busy", at("09:04:00")), ("available", at("09:05:00")),
                         ("busy", at("09:06:00")), ("break", at("09:06:30"))]
    assert log_of(b) == [("available", at("09:00:00")), ("busy", at("09:01:05")), ("break", at("09:01:20")),
                         ("available", at("09:02:00")), ("busy", at("09:02:00")), ("available", at("09:04:00")),
                         ("busy", at("09:06:30")), ("available", at("09:07:00")), ("busy", at("09:08:00")),
                         ("available", at("09:09:00")), ("busy", at("09:10:00")), ("available", at("09:10:08")),
                         ("offline", at("09:30:00"))]
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.state, a.state_since, b.state, b.state_since) == ("break", at("09:06:30"), "offline", at("09:30:00"))


# ---- the wallboard's figures


@pytest.fixture
def floor(users):
    """A morning seeded through the services, looked at at 10:30:

    agent  skills, channel  at 10:30
    A      warranty, voice  busy since 10:06:40 with C2
    B      -, chat          busy since 10:10:02 with C3
    C      insurance, voice on a break since 10:05 (25 min: over the 15-minute limit)

    contact  queue               queued    answered (wait)        at 10:30
    C1       voice · warranty    10:01:00  10:01:10 by A (10 s)   done 10:05
    C2       voice · warranty    10:06:00  10:06:45 by A (45 s)   with A
    C3       chat · general      10:10:00  10:10:05 by B (5 s)    with B
    C4       voice · insurance   10:29:00  -                      waiting 60 s (over the 20 s target)
    C5       voice · general     10:29:50  -                      waiting 10 s
    """
    a = Agent.objects.create(user=users[Role.AGENT], extension="8001", skills={"warranty": 3}, capacity={"voice": 1})
    b = Agent.objects.create(user=users[Role.HQ_SALES], skills={}, capacity={"chat": 2})
    c = Agent.objects.create(user=users[Role.ANALYST], extension="8003", skills={"insurance": 4},
                             capacity={"voice": 1})
    for agent in (a, b, c):
        services.set_agent_state(agent, "available", now=at("10:00:00"))

    def answered(agent, contact, offered, picked_up):
        assert services.claim_next_contact(agent, now=at(offered)).pk == contact.pk
        services.accept_offer(agent, contact.pk, now=at(picked_up))

    c1 = services.enqueue_contact("voice", {"skills": {"warranty": 1}}, arrival=at("10:01:00"))
    answered(a, c1, "10:01:05", "10:01:10")
    services.complete_contact(a, c1.pk, now=at("10:05:00"))
    services.set_agent_state(c, "break", now=at("10:05:00"))
    c2 = services.enqueue_contact("voice", {"skills": {"warranty": 1}}, arrival=at("10:06:00"))
    answered(a, c2, "10:06:40", "10:06:45")
    c3 = services.enqueue_contact("chat", arrival=at("10:10:00"))
    answered(b, c3, "10:10:02", "10:10:05")
    services.enqueue_contact("voice", {"skills": {"insurance": 2}}, arrival=at("10:29:00"))
    services.enqueue_contact("voice", arrival=at("10:29:50"))
    return {"a": a, "b": b, "c": c}


def test_the_figures_equal_the_seeded_floor(users, floor):
    board = wallboard.wallboard(users[Role.SUPERVISOR], now=at("10:30:00"))
    assert board["target_seconds"] == 20 and board["service_level_goal"] == 0.8  # the policy names no target
    queues = {queue["label"]: queue for queue in board["queues"]}
    assert list(queues) == ["Voice · general", "Voice · insurance", "Voice · warranty", "Web chat · general"]
    assert picked(queues["Voice · general"], {"waiting": 1, "longest_wait_seconds": 10, "offered": 1, "answered": 0})
    assert queues["Voice · general"]["service_level"] is None  # nobody answered yet: no figure, not 0 %
    assert picked(queues["Voice · insurance"], {"waiting": 1, "longest_wait_seconds": 60, "offered": 1})
    assert picked(queues["Voice · warranty"], {"waiting": 0, "offered": 2, "answered": 2, "service_level": 0.5})
    assert queues["Voice · warranty"]["longest_wait_seconds"] is None
    assert picked(queues["Web chat · general"], {"waiting": 0, "offered": 1, "answered": 1, "service_level": 1.0})
    assert picked(board, {"waiting": 2, "longest_wait_seconds": 60, "offered": 5, "answered": 3,
                          "service_level": 2 / 3})
    assert {row["state"]: row["agents"] for row in board["states"]} == {
        "offline": 0, "available": 0, "busy": 2, "acw": 0, "break": 1}
    # those who may need a word first, then the longest in their state
    assert [(row["id"], row["state"], row["seconds_in_state"], row["contacts"]) for row in board["agents"]] == [
        (floor["c"].pk, "break", 1500, 0), (floor["a"].pk, "busy", 1400, 1), (floor["b"].pk, "busy", 1198, 1)]
    assert board["agents"][0]["skills"] == {"insurance": 4}


def test_alerts_name_each_breach(users, floor):
    board = wallboard.wallboard(users[Role.SUPERVISOR], now=at("10:30:00"))
    assert [(alert["kind"], alert["subject"]) for alert in board["alerts"]] == [
        ("wait", "Voice · insurance"), ("service_level", "Voice · warranty"), ("break", str(floor["c"]))]
    assert [alert["message"] for alert in board["alerts"]] == [
        "Voice · insurance: a contact has waited 1:00, over the 20 s target",
        "Voice · warranty: 50% answered within 20 s today, below the 80% goal",
        f"{floor['c']} has been on a break for 25:00 (over 15 min)"]
    assert [q["wait_alert"] for q in board["queues"]] == [False, True, False, False]
    assert [a["alert"] for a in board["agents"]] == [True, False, False]


def test_no_alert_within_the_limits_and_the_limits_are_settings_and_the_policy_s_target(users, settings):
    """A short break, a short wait and every contact answered in time: nothing to say. Then the same floor against
    tighter limits: a break limit of 4 minutes, the policy's 5 s target, a wrap-up limit of 1 minute."""
    supervisor = users[Role.SUPERVISOR]
    a = Agent.objects.create(user=users[Role.AGENT], skills={}, capacity={"chat": 1})
    b = Agent.objects.create(user=users[Role.HQ_SALES], skills={}, capacity={"chat": 1})
    services.set_agent_state(a, "available", now=at("10:00:00"))
    services.set_agent_state(b, "available", now=at("10:00:00"))
    first = services.enqueue_contact("chat", arrival=at("10:01:00"))
    services.claim_next_contact(a, now=at("10:01:04"))
    services.accept_offer(a, first.pk, now=at("10:01:05"))
    services.enter_state([Agent.objects.get(pk=b.pk)], Agent.State.AFTER_CALL_WORK, at("10:09:30"))
    services.set_agent_state(b, "break", now=at("10:05:00"))
    services.enqueue_contact("chat", arrival=at("10:09:50"))
    assert wallboard.wallboard(supervisor, now=at("10:10:00"))["alerts"] == []

    settings.GUANXI_BREAK_ALERT_MINUTES = 4
    assert [alert["kind"] for alert in wallboard.wallboard(supervisor, now=at("10:10:00"))["alerts"]] == ["break"]
    services.save_policy(supervisor, {**VALUE, "service_level_target_seconds": 5})
    board = wallboard.wallboard(supervisor, now=at("10:10:00"))
    assert board["target_seconds"] == 5
    assert [(alert["kind"], alert["subject"]) for alert in board["alerts"]] == [
        ("wait", "Web chat · general"), ("break", str(b))]  # 10 s waited; the 5 s answer was still in time
    services.set_agent_state(b, "available", now=at("10:10:00"))
    services.enter_state([Agent.objects.get(pk=b.pk)], Agent.State.AFTER_CALL_WORK, at("10:10:00"))
    settings.GUANXI_WRAP_UP_ALERT_MINUTES = 1
    assert [alert["message"] for alert in wallboard.wallboard(supervisor, now=at("10:11:30"))["alerts"]][-1] == (
        f"{b} has been in after-call work for 1:30 (over 1 min)")


# ---- the page and the API


def test_the_page_shows_the_floor_and_refreshes_its_live_part_alone(client, users, floor):
    client.force_login(users[Role.SUPERVISOR])
    response = client.get(reverse("contact_center:wallboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'hx-trigger="every 5s"' in page and 'id="wallboard-states"' in page and 'id="wallboard-queues"' in page
    assert "core/echarts.min.js" in page and "contact_center/wallboard.js" in page and 'id="wallboard-data"' in page
    assert "<script>" not in page.replace('<script id="wallboard-data" type="application/json">', "")  # CSP
    board = response.context["board"]
    assert [(q["label"], q["waiting"]) for q in board["queues"]][:2] == [("Voice · general", 1),
                                                                         ("Voice · insurance", 1)]
    assert "Voice · insurance: a contact has waited" in page  # hours by now: the wait alert is on
    assert f"{floor['c']} has been on a break" in page
    assert reverse("contact_center:agent_skills", args=[floor["a"].pk]) in page
    chart = response.context["chart"]
    assert [row["value"] for row in chart["states"]] == [0, 0, 2, 0, 1] and chart["goal"] == 80

    live = client.get(reverse("contact_center:wallboard"), HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    part = live.content.decode()
    assert live.status_code == 200 and part.lstrip().startswith('<div id="wallboard-live"') and "<html" not in part
    assert 'hx-preserve="true"' in part and 'id="wallboard-data"' in part


def test_the_api_serves_the_page_s_figures(client, users, floor):
    client.force_login(users[Role.SUPERVISOR])
    body = client.get(API, HTTP_ACCEPT_LANGUAGE="en").json()
    board = client.get(reverse("contact_center:wallboard"), HTTP_ACCEPT_LANGUAGE="en").context["board"]
    assert [(q["label"], q["waiting"], q["wait_alert"]) for q in body["queues"]] == [
        (q["label"], q["waiting"], q["wait_alert"]) for q in board["queues"]]
    assert [(a["name"], a["state"], a["contacts"], a["skills"]) for a in body["agents"]] == [
        (a["name"], a["state"], a["contacts"], a["skills"]) for a in board["agents"]]
    assert [alert["kind"] for alert in body["alerts"]] == [alert["kind"] for alert in board["alerts"]]
    assert body["waiting"] == 2 and body["limits"] == {"break_minutes": 15, "wrap_up_minutes": 3}


# ---- changing an agent's skills


def skills_form(rows: list[tuple[str, str]]) -> dict:
    data = {}
    for i, (name, level) in enumerate(rows):
        data[f"skill_{i}"], data[f"level_{i}"] = name, level
    return data


def test_a_supervisor_edits_an_agent_s_skills_with_each_error_beside_its_field(client, users):
    agent = Agent.objects.create(user=users[Role.AGENT], skills={"sales": 2, "warranty": 3}, capacity={"voice": 1})
    url = reverse("contact_center:agent_skills", args=[agent.pk])
    client.force_login(users[Role.SUPERVISOR])
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="en").context["form"]
    assert [(name.value(), level.value()) for name, level in form.rows()] == [
        ("sales", 2), ("warranty", 3), ("", ""), ("", ""), ("", "")]

    for rows, field, message in [
        ([("sales", "2"), ("warranty", "7")], "level_1", "Select a valid choice"),  # past 5, whatever the page offers
        ([("sales", "2"), ("warranty", "")], "level_1", "Choose a proficiency from 1 to 5"),
        ([("sales", "2"), ("after sales", "3")], "skill_1", "One word"),
        ([("sales", "2"), ("sales", "3")], "skill_1", "“sales” is listed twice"),
    ]:
        response = client.post(url, skills_form(rows), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 422, rows
        errors = response.context["form"].errors
        assert list(errors) == [field] and message in errors[field][0], (rows, errors)
        agent.refresh_from_db()
        assert agent.skills == {"sales": 2, "warranty": 3}  # nothing saved

    response = client.post(url, skills_form([("", "2"), ("warranty", "5"), ("保险", "2")]))  # sales emptied: gone
    assert response.status_code == 302 and response["Location"] == reverse("contact_center:wallboard")
    agent.refresh_from_db()
    assert agent.skills == {"warranty": 5, "保险": 2}
    assert "保险 2" in client.get(reverse("contact_center:wallboard")).content.decode()


def test_the_service_refuses_what_the_engine_refuses_and_reroutes_what_the_change_affects(users):
    supervisor = users[Role.SUPERVISOR]
    a = Agent.objects.create(user=users[Role.AGENT], extension="8001", skills={"insurance": 3},
                             capacity={"voice": 1})
    b = Agent.objects.create(user=users[Role.HQ_SALES], skills={"sales": 1}, capacity={"chat": 1})
    Agent.objects.create(user=users[Role.DEALER_SALES], skills={"sales": 3}, capacity={"chat": 1})  # offline
    for skills in ({"insurance": 9}, {"insurance": True}, {"two words": 1}, ["insurance"]):
        with pytest.raises(ValidationError) as refused:
            services.set_agent_skills(supervisor, a.pk, skills)
        assert list(refused.value.message_dict) == ["skills"], skills
    a.refresh_from_db()
    assert a.skills == {"insurance": 3}
    with pytest.raises(PermissionDenied):
        services.set_agent_skills(users[Role.ANALYST], a.pk, {"insurance": 4})

    waiting = services.enqueue_contact("voice", {"skills": {"insurance": 2}})
    services.set_agent_skills(supervisor, a.pk, {"warranty": 3})  # the only insurance agent no more
    waiting.refresh_from_db()
    assert waiting.state == QueuedContact.State.VOICEMAIL and waiting.fallback == "voicemail"

    services.set_agent_state(b, "available")
    chat = services.enqueue_contact("chat", {"skills": {"sales": 3}})  # waits for the offline expert
    assert services.set_agent_skills(supervisor, b.pk, {"sales": 3}) == [(chat, b)]  # b may take it now
    chat.refresh_from_db()
    assert (chat.state, chat.offered_to_id) == (QueuedContact.State.OFFERED, b.pk)


def test_who_may_watch_the_wallboard_and_change_skills(client, users):
    """Supervisors and administrators; every other role gets 403 and changes nothing."""
    agent = Agent.objects.create(user=users[Role.AGENT], skills={"sales": 2}, capacity={"voice": 1})
    url = reverse("contact_center:agent_skills", args=[agent.pk])
    assert set(users) >= ALLOWED
    for i, (role, user) in enumerate(users.items(), start=1):
        client.force_login(user)
        allowed = role in ALLOWED
        before = dict(Agent.objects.get(pk=agent.pk).skills)
        assert client.get(reverse("contact_center:wallboard")).status_code == (200 if allowed else 403), role
        assert client.get(API).status_code == (200 if allowed else 403), role
        assert client.get(url).status_code == (200 if allowed else 403), role
        level = min(i, 5)  # a new proficiency each time, so that a change would show
        assert client.post(url, skills_form([("sales", str(level))])).status_code == (302 if allowed else 403), role
        agent.refresh_from_db()
        assert agent.skills == ({"sales": level} if allowed else before), role
        if allowed:
            assert client.get(reverse("contact_center:agent_skills", args=[agent.pk + 1])).status_code == 404
    client.logout()
    assert client.get(API).status_code == 401
    assert client.get(reverse("contact_center:wallboard")).status_code == 302
    assert client.get(url).status_code == 302


def test_the_demo_floor_gives_the_wallboard_something_to_show(users):
    """The demo plays the last hours of a floor through the services: agents busy, one on a long break, one gone
    home, and nothing left ringing or waiting for an agent who is free (the worker would change the picture)."""
    from guanxi.demo.floor import seed_demo_floor

    assert seed_demo_floor() > 40 and seed_demo_floor() == 0  # once
    board = wallboard.wallboard(users[Role.SUPERVISOR])
    states = {row["state"]: row["agents"] for row in board["states"]}
    assert states["busy"] >= 1 and states["break"] == 2 and states["offline"] == 1, states
    assert [alert["subject"] for alert in board["alerts"] if alert["kind"] == "break"] == ["刘洋"]
    assert not QueuedContact.objects.filter(state=QueuedContact.State.OFFERED).exists()
    assert services.offer_to_free_agents() == []
