"""The voice channel (issue 11, item 2): a PBX's signed call events routed to agents' extensions, the event log,
and click-to-dial with consent and calling hours, on whichever database the suite runs on."""

import datetime as dt
import json
import re
import time
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from guanxi.contact_center import desktop_tools, services, tasks, voice, webhooks
from guanxi.contact_center.models import Agent, ContactEvent, QueuedContact, WebhookReceipt
from guanxi.core.roles import Role
from guanxi.customers import services as customer_services
from guanxi.customers.models import Channel, Direction, Interaction

URL = "/api/contact-center/cti/events"
T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def signed(body: dict, *, secret: str | None = None, nonce: str | None = None, timestamp: float | None = None):
    raw = json.dumps(body).encode()
    stamp = str(int(time.time() if timestamp is None else timestamp))
    nonce = nonce or uuid.uuid4().hex
    digest = webhooks.signature(secret or webhooks.secret_for("cti"), stamp, nonce, raw)
    return {"data": raw, "content_type": "application/json", "HTTP_X_GUANXI_TIMESTAMP": stamp,
            "HTTP_X_GUANXI_NONCE": nonce, "HTTP_X_GUANXI_SIGNATURE": digest}


def pbx(event: str, call_id: str, **fields):
    """What the PBX posts; the answer's JSON."""
    response = Client().post(URL, **signed({"event": event, "call_id": call_id, **fields}), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    return response.json()


def make_agent(user, extension, idle_since=None, **fields):
    fields.setdefault("capacity", {"voice": 1})
    return Agent.objects.create(user=user, extension=extension, state=Agent.State.AVAILABLE,
                                last_assignment_at=idle_since, **fields)


def kinds(contact_id):
    return list(ContactEvent.objects.filter(contact_id=contact_id).values_list("kind", flat=True))


def test_unsigned_badly_signed_stale_and_replayed_call_events_are_refused_and_change_nothing(users):
    body = {"event": "offered", "call_id": "c-1", "caller": "13800138000"}
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users[Role.ADMIN])  # a user's session is no signature
    unsigned = client.post(URL, json.dumps(body), content_type="application/json")
    wrong_secret = client.post(URL, **signed(body, secret="not-the-secret"))
    stale = client.post(URL, **signed(body, timestamp=time.time() - webhooks.WINDOW_SECONDS - 5))
    assert [r.status_code for r in (unsigned, wrong_secret, stale)] == [401, 401, 401]
    assert "Unsigned" in unsigned.json()["detail"]
    assert wrong_secret.json()["detail"] == "Bad signature"
    assert "seconds from the server's clock" in stale.json()["detail"]
    tampered = signed(body)
    tampered["data"] = json.dumps({**body, "caller": "13900139000"}).encode()
    assert client.post(URL, **tampered).status_code == 401
    assert not QueuedContact.objects.exists()

    first = signed(body, nonce="n-1")
    assert client.post(URL, **first).status_code == 200
    replay = client.post(URL, **first)
    assert replay.status_code == 401 and "Replayed" in replay.json()["detail"]
    assert QueuedContact.objects.count() == 1 and kinds(QueuedContact.objects.get().pk) == ["queued"]
    for signature in ("ß" * 64, "0" * 63, "not hex " * 8):  # never a 500, whatever comes in the header
        forged = signed(body)
        forged["HTTP_X_GUANXI_SIGNATURE"] = signature
        assert client.post(URL, **forged).status_code == 401
    odd_time = signed(body, timestamp=0)
    odd_time["HTTP_X_GUANXI_TIMESTAMP"] = "nan"
    odd_time["HTTP_X_GUANXI_SIGNATURE"] = webhooks.signature(webhooks.secret_for("cti"), "nan",
                                                               odd_time["HTTP_X_GUANXI_NONCE"], odd_time["data"])
    assert client.post(URL, **odd_time).json()["detail"] == "The timestamp must be Unix seconds"


def test_an_event_refused_for_its_content_can_be_sent_again_as_it_was(users):
    """The nonce is spent with the work: a 422 (here an answer that came before its offer) keeps nothing."""
    make_agent(users[Role.AGENT], "8001")
    early = signed({"event": "answered", "call_id": "c-9", "extension": "8001"})
    assert Client().post(URL, **early).status_code == 422
    pbx("offered", "c-9", caller="13800138000", at="2026-11-23T10:00:00")  # no offset: the installation's zone
    assert QueuedContact.objects.get(external_id="c-9").arrival == T0
    assert Client().post(URL, **early).status_code == 200
    assert QueuedContact.objects.get(external_id="c-9").state == "assigned"


def test_old_nonces_are_forgotten_once_they_cannot_come_back(db):
    now = dt.datetime.now(dt.UTC)
    WebhookReceipt.objects.create(source="cti", nonce="old", received_at=now - dt.timedelta(minutes=11))
    WebhookReceipt.objects.create(source="cti", nonce="new", received_at=now - dt.timedelta(minutes=9))
    assert webhooks.forget_old_receipts(now) == 1
    assert list(WebhookReceipt.objects.values_list("nonce", flat=True)) == ["new"]


def test_a_known_caller_rings_the_longest_idle_agent_and_the_call_lands_on_the_customer_s_timeline(users, customers):
    zhang = customers["zhang"]
    make_agent(users[Role.SUPERVISOR], "8002", idle_since=T0 - dt.timedelta(minutes=1))
    longest_idle = make_agent(users[Role.AGENT], "8001", idle_since=T0 - dt.timedelta(minutes=9))

    answer = pbx("offered", "call-1", caller="+86 138-0013-8000", at=T0.isoformat())
    assert answer["action"] == "connect" and answer["extension"] == "8001"
    assert (answer["customer_id"], answer["tier"]) == (zhang.pk, zhang.tier)
    assert pbx("answered", "call-1", extension="8001", at=(T0 + dt.timedelta(seconds=6)).isoformat())["state"] == \
        "assigned"
    entry = Interaction.objects.get(customer=zhang)
    assert (entry.channel, entry.direction, entry.user_id) == (Channel.PHONE, Direction.INBOUND, users[Role.AGENT].pk)

    ended = pbx("ended", "call-1", at=(T0 + dt.timedelta(minutes=4)).isoformat())
    assert (ended["action"], ended["state"]) == ("hangup", "done")
    longest_idle.refresh_from_db()
    assert longest_idle.state == Agent.State.AFTER_CALL_WORK
    contact = QueuedContact.objects.get(external_id="call-1")
    assert kinds(contact.pk) == ["queued", "offered", "answered", "completed"]
    assert contact.ended_at == T0 + dt.timedelta(minutes=4)
    assert pbx("ended", "call-1")["state"] == "done"  # said twice: nothing more happens
    assert kinds(contact.pk) == ["queued", "offered", "answered", "completed"]


def test_an_unknown_caller_waits_and_is_put_through_when_an_agent_frees_up(
        users, customers, settings, django_capture_on_commit_callbacks):
    """With no after-call work set, the moment the agent's caller hangs up."""
    settings.GUANXI_AFTER_CALL_WORK_SECONDS = 0
    agent = make_agent(users[Role.AGENT], "8001")
    pbx("offered", "busy-call", caller="13900139000", at=T0.isoformat())
    pbx("answered", "busy-call", extension="8001", at=T0.isoformat())

    waiting = pbx("offered", "new-call", caller="021 5555 0101", at=(T0 + dt.timedelta(seconds=30)).isoformat())
    assert (waiting["action"], waiting["position"], waiting["customer_id"], waiting["tier"]) == \
        ("queue", 1, None, "standard")
    assert QueuedContact.objects.get(external_id="new-call").party == "021 5555 0101"
    assert pbx("offered", "new-call", caller="021 5555 0101")["contact_id"] == waiting["contact_id"]  # a retry
    assert QueuedContact.objects.filter(external_id="new-call").count() == 1

    with django_capture_on_commit_callbacks(execute=True):  # the PBX is told once the offer is committed
        pbx("ended", "busy-call", at=(T0 + dt.timedelta(minutes=3)).isoformat())
    command = ContactEvent.objects.get(kind=ContactEvent.Kind.COMMAND)
    assert command.data == {"command": "connect", "call_id": "new-call", "extension": "8001"}
    assert pbx("offered", "new-call", caller="021 5555 0101")["extension"] == "8001"
    agent.refresh_from_db()
    assert agent.state == Agent.State.BUSY


def busy_with_a_caller_waiting(users, since: dt.datetime) -> Agent:
    """Agent 8001 on a call since `since`, answered; a second caller waiting since 10 s later."""
    agent = make_agent(users[Role.AGENT], "8001")
    pbx("offered", "first", caller="13800138000", at=since.isoformat())
    pbx("answered", "first", extension="8001", at=since.isoformat())
    second = pbx("offered", "second", caller="13900139000", at=(since + dt.timedelta(seconds=10)).isoformat())
    assert second["action"] == "queue"
    return agent


def put_through(call_id: str):
    commands = ContactEvent.objects.filter(kind=ContactEvent.Kind.COMMAND, contact__external_id=call_id)
    return [command.data for command in commands]


def test_after_a_call_the_agent_wraps_up_before_the_next_call_is_put_through(
        users, customers, client, django_capture_on_commit_callbacks):
    """The caller hangs up: the agent has GUANXI_AFTER_CALL_WORK_SECONDS (30) for the notes and the wrap-up code
    before the waiting call rings them; their Done ends it sooner."""
    ended_at = timezone.now().replace(microsecond=0) - dt.timedelta(seconds=10)
    agent = busy_with_a_caller_waiting(users, since=ended_at - dt.timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        pbx("ended", "first", at=ended_at.isoformat())
    agent.refresh_from_db()
    assert (agent.state, agent.state_since) == (Agent.State.AFTER_CALL_WORK, ended_at)
    assert put_through("second") == []  # still waiting
    client.force_login(users[Role.AGENT])
    page = client.get(reverse("contact_center:desktop_contacts"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    left = int(re.search(r'data-after-call-work="(\d+)"', page).group(1))
    assert "After-call work" in page and 10 <= left <= 20  # 30 s from the hang-up, 10 s ago
    first = QueuedContact.objects.get(external_id="first")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("contact_center:desktop_step", args=[first.pk, "complete"]),
                    {"wrap_up": next(iter(desktop_tools.wrap_up_codes())), "notes": "问保养价格"},
                    HTTP_HX_REQUEST="true")
    assert put_through("second") == [{"command": "connect", "call_id": "second", "extension": "8001"}]
    states = list(agent.state_changes.order_by("pk").values_list("state", flat=True))
    assert states[-3:] == ["acw", "available", "busy"]
    assert kinds(first.pk)[-2:] == ["completed", "wrapped"]


def test_wrapping_up_an_older_call_leaves_the_after_call_work_of_the_latest_running(users, customers):
    agent = make_agent(users[Role.AGENT], "8001")
    code = next(iter(desktop_tools.wrap_up_codes()))
    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=30)
    for number, call in enumerate(("older", "latest")):
        at = start + dt.timedelta(minutes=10 * number)
        pbx("offered", call, caller="13800138000", at=at.isoformat())
        pbx("answered", call, extension="8001", at=at.isoformat())
        pbx("ended", call, at=(at + dt.timedelta(minutes=2)).isoformat())
        if call == "older":
            assert services.end_after_call_work(agent.pk, at + dt.timedelta(minutes=3))  # "Available", no Done
    desktop_tools.wrap_up_contact(agent, QueuedContact.objects.get(external_id="older").pk, code)
    agent.refresh_from_db()
    assert agent.state == Agent.State.AFTER_CALL_WORK  # the latest call's notes are still to come
    desktop_tools.wrap_up_contact(agent, QueuedContact.objects.get(external_id="latest").pk, code)
    agent.refresh_from_db()
    assert agent.state == Agent.State.AVAILABLE


def test_after_call_work_that_runs_out_is_ended_by_the_worker_and_the_waiting_call_rings(
        users, customers, django_capture_on_commit_callbacks):
    """The desktop counts down and presses Available itself; for a desktop that was closed, the worker's minute
    job does it once the time is up, and not for a new round of after-call work begun since."""
    agent = busy_with_a_caller_waiting(users, since=T0)
    ended_at = T0 + dt.timedelta(minutes=2)
    pbx("ended", "first", at=ended_at.isoformat())
    assert services.end_overdue_after_call_work(now=ended_at + dt.timedelta(seconds=29)) == 0
    assert not services.end_after_call_work(agent.pk, ended_at, entered_by=ended_at - dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.release_expired_offers.call_local()  # the worker's job, run now: long after T0
    agent.refresh_from_db()
    assert agent.state == Agent.State.BUSY
    assert put_through("second") == [{"command": "connect", "call_id": "second", "extension": "8001"}]


def test_a_caller_who_hangs_up_while_ringing_is_abandoned_and_the_agent_takes_the_next_call(
        users, customers, django_capture_on_commit_callbacks):
    agent = make_agent(users[Role.AGENT], "8001")
    assert pbx("offered", "short", caller="13700137000", at=T0.isoformat())["action"] == "connect"
    assert pbx("offered", "next", caller="13900139000", at=T0.isoformat())["action"] == "queue"
    with django_capture_on_commit_callbacks(execute=True):
        gone = pbx("ended", "short", at=(T0 + dt.timedelta(seconds=4)).isoformat())
    assert gone["state"] == "abandoned"
    assert kinds(gone["contact_id"]) == ["queued", "offered", "abandoned"]
    assert not Interaction.objects.filter(customer=customers["wang"]).exists()
    assert ContactEvent.objects.get(kind=ContactEvent.Kind.COMMAND).data["call_id"] == "next"
    agent.refresh_from_db()
    assert agent.state == Agent.State.BUSY


def test_a_call_answered_after_long_ringing_is_the_agent_s_and_one_that_rings_out_goes_elsewhere(users, customers):
    """The PBX's ring time decides, not the reservation timeout: the minute job leaves a ringing call alone."""
    first = make_agent(users[Role.AGENT], "8001", idle_since=T0 - dt.timedelta(hours=1))
    second = make_agent(users[Role.SUPERVISOR], "8002", idle_since=T0 - dt.timedelta(minutes=30))
    make_agent(users["other_dealer"], "8003", idle_since=T0)
    pbx("offered", "long", caller="13800138000", at=T0.isoformat())
    assert services.release_expired_offers(now=T0 + dt.timedelta(minutes=5)) == 0
    late = pbx("answered", "long", extension="8001", at=(T0 + dt.timedelta(seconds=40)).isoformat())
    assert (late["state"], late["extension"]) == ("assigned", "8001")
    assert pbx("answered", "long", extension="8001")["state"] == "assigned"  # a retry changes nothing
    assert kinds(late["contact_id"]).count("answered") == 1

    # 王芳, whom the dealer's own agent may take too
    assert pbx("offered", "rings-out", caller="13700137000", at=T0.isoformat())["extension"] == "8002"
    elsewhere = pbx("missed", "rings-out", at=(T0 + dt.timedelta(seconds=30)).isoformat())
    assert (elsewhere["action"], elsewhere["extension"]) == ("connect", "8003")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (Agent.State.BUSY, Agent.State.BREAK)  # on the long call; rang out


def test_keys_holds_recordings_and_transfers_are_logged_and_bad_ones_refused_by_field(users, customers):
    first = make_agent(users[Role.AGENT], "8001", idle_since=T0 - dt.timedelta(hours=1))
    second = make_agent(users[Role.SUPERVISOR], "8002", idle_since=T0, skills={"warranty": 3})
    pbx("offered", "call", caller="13800138000")
    pbx("dtmf", "call", digits="2#")
    client = Client()
    for body, field in (({"event": "dtmf", "call_id": "call", "digits": "2; drop"}, "digits"),
                        ({"event": "recording", "call_id": "call", "url": "file:///etc/passwd"}, "url"),
                        ({"event": "answered", "call_id": "call", "extension": "9999"}, "extension"),
                        ({"event": "ended", "call_id": "no-such-call"}, "call_id"),
                        ({"event": "held", "call_id": "call"}, "call_id"),  # nobody has it yet to hold it
                        ({"event": "transferred", "call_id": "call", "extension": "8002"}, "call_id")):
        response = client.post(URL, **signed(body), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["field"] == field
    pbx("answered", "call", extension="8001")
    pbx("held", "call")
    pbx("retrieved", "call")
    pbx("recording", "call", url="https://pbx.example.cn/rec/call.wav")

    assert pbx("transferred", "call", extension="8001")["extension"] == "8001"  # to the one who has it: no-op
    Agent.objects.filter(pk=second.pk).update(state=Agent.State.OFFLINE)
    response = client.post(URL, **signed({"event": "transferred", "call_id": "call", "extension": "8002"}),
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422 and "no free Voice line" in response.json()["detail"][0]["msg"]
    Agent.objects.filter(pk=second.pk).update(state=Agent.State.AVAILABLE)
    moved = pbx("transferred", "call", extension="8002")
    assert (moved["action"], moved["extension"], moved["state"]) == ("connect", "8002", "assigned")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (Agent.State.AVAILABLE, Agent.State.BUSY)

    back = pbx("transferred", "call", skill="warranty")
    assert (back["action"], back["extension"]) == ("connect", "8002")  # the one agent with the skill
    contact = QueuedContact.objects.get(external_id="call")
    assert contact.recording == "https://pbx.example.cn/rec/call.wav"
    assert contact.requirement == {"skills": {"warranty": 1}}
    assert kinds(contact.pk) == ["queued", "offered", "dtmf", "answered", "held", "retrieved", "recording",
                                 "transferred", "transferred", "offered"]
    assert ContactEvent.objects.get(contact=contact, kind="dtmf").data == {"digits": "2#"}


def _consent(admin, customer, purpose="service", granted=True):
    customer_services.record_consent(admin, customer.pk, {
        "channel": Channel.PHONE, "purpose": purpose, "granted": granted, "recorded_at": T0, "how": "phone call"})


class BrokenGateway:
    """A telephone system that is down."""

    def dial(self, contact, extension, number):
        raise ConnectionError("connection refused")


def test_click_to_dial_needs_an_agent_a_callable_phone_consent_and_the_calling_hours(users, customers, settings):
    agent_user, zhang = users[Role.AGENT], customers["zhang"]
    with pytest.raises(ValidationError) as no_agent:
        voice.dial(agent_user, zhang.pk, now=T0)
    assert "extension" in no_agent.value.message_dict
    make_agent(agent_user, "8001")

    def refusal(**kwargs):
        with pytest.raises(ValidationError) as error:
            voice.dial(agent_user, zhang.pk, **{"now": T0, **kwargs})
        return error.value.message_dict

    assert refusal() == {"purpose": ["The customer has not agreed to calls for Service reminders"]}
    _consent(users[Role.ADMIN], zhang, "marketing", granted=False)
    assert "purpose" in refusal(purpose="marketing")
    _consent(users[Role.ADMIN], zhang)
    assert refusal(now=T0.replace(hour=14)) == {"customer_id": ["Customers are called between 9:00 and 21:00 only"]}

    contact = voice.dial(agent_user, zhang.pk, now=T0)
    assert (contact.direction, contact.state, contact.customer_id) == (Direction.OUTBOUND, "assigned", zhang.pk)
    command = ContactEvent.objects.get(contact=contact, kind=ContactEvent.Kind.COMMAND).data
    assert command == {"command": "dial", "call_id": contact.external_id, "extension": "8001",
                       "number": "+8613800138000"}
    assert Interaction.objects.get(customer=zhang).direction == Direction.OUTBOUND
    assert "extension" in refusal()  # one voice line, in use
    response = Client().post(URL, **signed({"event": "answered", "call_id": contact.external_id, "extension": "8002"}))
    assert response.status_code == 422  # not the extension that dialled
    assert pbx("answered", contact.external_id, extension="8001")["state"] == "assigned"
    pbx("ended", contact.external_id)
    assert kinds(contact.pk) == ["dialled", "command", "answered", "completed"]

    settings.GUANXI_TELEPHONY_GATEWAY = "tests.contact_center.test_voice.BrokenGateway"
    assert "did not take the call" in refusal()["extension"][0]
    assert voice.dial.__name__ and not QueuedContact.objects.filter(state="assigned").exists()  # the line is free
    settings.GUANXI_TELEPHONY_GATEWAY = "guanxi.contact_center.gateways.LoggingGateway"

    opted_out = zhang.contact_points.get(kind="phone")
    customer_services.set_opt_out(users[Role.ADMIN], opted_out.pk, True)
    assert refusal() == {"customer_id": ["The customer has no phone number that may be called"]}


# who each role's user may reach among the fixture's customers (tests/conftest.py's org tree)
REACH = {Role.AGENT: {"zhang", "li", "wang"}, Role.DEALER_SALES: {"zhang"}, Role.SERVICE_ADVISOR: {"li"},
         "other_dealer": {"wang"}}


@pytest.mark.parametrize("role", list(REACH))
def test_the_dial_endpoint_rings_only_customers_in_the_agent_s_reach(role, users, customers, settings):
    """The isolation matrix of POST /api/contact-center/dial: 201 in reach, 404 outside, and nothing dialled."""
    settings.GUANXI_CALLING_HOURS = (0, 24)
    user = users[role]
    make_agent(user, "8001", capacity={"voice": 3})
    client = Client()
    client.force_login(user)
    for name, customer in customers.items():
        _consent(users[Role.ADMIN], customer)
        response = client.post("/api/contact-center/dial", {"customer_id": customer.pk},
                               content_type="application/json")
        if name in REACH[role]:
            assert response.status_code == 201, (role, name, response.content)
            assert QueuedContact.objects.get(pk=response.json()["contact_id"]).customer_id == customer.pk
        else:
            assert response.status_code == 404, (role, name, response.content)
            assert not QueuedContact.objects.filter(customer=customer).exists()


def test_the_minute_sweep_puts_a_waiting_call_through_to_an_agent_who_is_free(
        users, customers, django_capture_on_commit_callbacks):
    """Routing passes over an agent another request holds at that moment; the worker's sweep catches up."""
    from guanxi.contact_center import tasks

    agent = make_agent(users[Role.AGENT], "8001")
    Agent.objects.filter(pk=agent.pk).update(state=Agent.State.BREAK)
    waiting = pbx("offered", "c-1", caller="13900139000")
    assert waiting["action"] == "queue"
    Agent.objects.filter(pk=agent.pk).update(state=Agent.State.AVAILABLE)  # back, without pressing the button
    with django_capture_on_commit_callbacks(execute=True):
        tasks.release_expired_offers.call_local()
    assert ContactEvent.objects.get(kind=ContactEvent.Kind.COMMAND).data == {
        "command": "connect", "call_id": "c-1", "extension": "8001"}
    assert tasks.release_expired_offers.call_local() == 0  # nothing waits any more
