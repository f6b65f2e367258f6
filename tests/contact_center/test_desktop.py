"""The agent desktop (issue 11, item 3): state buttons, offers accepted or declined, contacts finished with notes,
the caller's card only for the agent's own contacts, and the WebSocket that tells the desktop at once."""

import datetime as dt
import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from guanxi.asgi import application
from guanxi.contact_center import services, voice
from guanxi.contact_center.models import Agent, ContactEvent, QueuedContact
from guanxi.core.roles import Role
from guanxi.core.signin import SECOND_FACTOR_DUE
from guanxi.customers import services as customer_services
from guanxi.customers.models import Interaction

PAGES = ("contact_center:desktop", "contact_center:desktop_contacts")


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def on_roster(user, extension, **fields):
    fields.setdefault("capacity", {"voice": 1})
    return Agent.objects.create(user=user, extension=extension, state=Agent.State.AVAILABLE, **fields)


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.DEALER_SALES, Role.ANALYST, Role.AGENT])
def test_only_agents_on_the_roster_have_a_desktop_and_see_only_their_own_contacts(role, users, customers):
    """The desktop's isolation matrix: every desktop route is 403 for a user not on the roster (whatever the
    role), and a card or step of another agent's contact is 404, changing nothing."""
    colleague = on_roster(users["other_dealer"], "8009")
    theirs = voice.call_offered("theirs", "13700137000")  # 王芳, a customer of theirs
    assert theirs["extension"] == "8009"
    client = signed_in(users[role])
    routes = [reverse_(name) for name in PAGES] + [reverse_("contact_center:desktop_card", theirs["contact_id"])]
    posts = [reverse_("contact_center:desktop_state")] + [
        reverse_("contact_center:desktop_step", theirs["contact_id"], action) for action in ("accept", "decline")]
    assert [client.get(url).status_code for url in routes] == [403, 403, 403]
    assert [client.post(url, {"state": "available"}).status_code for url in posts] == [403, 403, 403]

    on_roster(users[role], "8001")
    assert [client.get(url).status_code for url in routes] == [200, 200, 404]
    assert [client.post(url).status_code for url in posts[1:]] == [404, 404]
    contact = QueuedContact.objects.get(pk=theirs["contact_id"])
    assert (contact.state, contact.offered_to_id) == ("offered", colleague.pk)


def reverse_(name, *args):
    from django.urls import reverse

    return reverse(name, args=args)


def test_an_offer_is_accepted_and_finished_with_notes_on_the_customer_s_timeline(users, customers):
    agent = on_roster(users[Role.AGENT], "8001")
    offered = voice.call_offered("c-1", "13800138000")
    client = signed_in(users[Role.AGENT])
    page = client.get(reverse_("contact_center:desktop")).content.decode()
    assert "张伟" in page and "Accept" in page
    card = client.get(reverse_("contact_center:desktop_card", offered["contact_id"])).content.decode()
    assert "张伟" in card and "帕萨特 Passat" in card and "13800138000" in card

    client.post(reverse_("contact_center:desktop_step", offered["contact_id"], "accept"))
    assert QueuedContact.objects.get(pk=offered["contact_id"]).state == "assigned"
    refused = client.post(reverse_("contact_center:desktop_state"), {"state": "offline"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and "Finish the contacts in hand" in refused.content.decode()

    client.post(reverse_("contact_center:desktop_step", offered["contact_id"], "complete"),
                {"wrap_up": "information", "notes": "Asked about the 40,000 km service"})
    entry = Interaction.objects.get(customer=customers["zhang"])
    assert entry.summary == "Information given: Asked about the 40,000 km service"
    agent.refresh_from_db()
    assert agent.state == Agent.State.AVAILABLE


def test_a_declined_offer_goes_to_the_next_agent_and_the_decliner_takes_a_break(
        users, customers, django_capture_on_commit_callbacks):
    first = on_roster(users[Role.AGENT], "8001")
    Agent.objects.filter(pk=first.pk).update(last_assignment_at=timezone.now() - dt.timedelta(hours=1))
    second = on_roster(users[Role.SUPERVISOR], "8002")
    Agent.objects.filter(pk=second.pk).update(last_assignment_at=timezone.now())
    offered = voice.call_offered("c-1", "13900139000")
    assert offered["extension"] == "8001"
    with django_capture_on_commit_callbacks(execute=True):  # the PBX is told once the new offer is committed
        signed_in(users[Role.AGENT]).post(reverse_("contact_center:desktop_step", offered["contact_id"], "decline"))
    contact = QueuedContact.objects.get(pk=offered["contact_id"])
    assert (contact.state, contact.offered_to_id) == ("offered", second.pk)
    assert ContactEvent.objects.get(kind=ContactEvent.Kind.COMMAND).data["extension"] == "8002"
    first.refresh_from_db()
    assert first.state == Agent.State.BREAK


def test_an_agent_back_from_a_break_is_offered_the_waiting_call_at_once(users, customers):
    agent = on_roster(users[Role.AGENT], "8001")
    Agent.objects.filter(pk=agent.pk).update(state=Agent.State.BREAK)
    waiting = voice.call_offered("c-1", "13700137000")
    assert waiting["action"] == "queue"
    client = signed_in(users[Role.AGENT])
    listed = client.post(reverse_("contact_center:desktop_state"), {"state": "available"}, HTTP_HX_REQUEST="true")
    assert listed.status_code == 200 and "王芳" in listed.content.decode()
    assert voice.decision(QueuedContact.objects.get(pk=waiting["contact_id"]))["extension"] == "8001"
    assert client.post(reverse_("contact_center:desktop_state"), {"state": "busy"}).status_code == 422


# committed rows: the socket's poller reads them from another thread. Plain users: a transactional test may
# run after another emptied the roles the migrations seeded, and the socket asks only for an agent row.
@pytest.mark.django_db(transaction=True)
def test_the_desktop_socket_is_told_of_an_offer_to_its_agent_only(django_user_model):
    users = {Role.AGENT: django_user_model.objects.create_user("desk-agent"),
             Role.SUPERVISOR: django_user_model.objects.create_user("desk-colleague"),
             "halfway": django_user_model.objects.create_user("desk-halfway")}
    mine = on_roster(users[Role.AGENT], "8001")
    on_roster(users["halfway"], "8003", capacity={"voice": 0})
    on_roster(users[Role.SUPERVISOR], "8002", capacity={"voice": 0})

    async def session():
        stranger = WebsocketCommunicator(application, "/ws/desktop/", headers=[(b"origin", b"http://localhost")])
        connected, _code = await stranger.connect()
        assert not connected  # not signed in

        hijack = await _socket_for(users[Role.AGENT], origin=b"http://evil.example.com")
        assert not hijack  # another site's page may not open the agent's socket with the agent's cookie
        halfway = await _socket_for(users["halfway"])
        assert not halfway  # a password alone, the second factor still due: no pushes
        colleague = await _socket_for(users[Role.SUPERVISOR])
        desktop = await _socket_for(users[Role.AGENT])
        answer = await _offered_elsewhere("c-1", "13800138000")
        event = await desktop.receive_json_from(timeout=5)  # how fast: bench/screen_pop.py
        assert (event["kind"], event["contact"]) == ("offered", answer["contact_id"])
        assert await colleague.receive_nothing(timeout=0.3)
        await desktop.disconnect()
        await colleague.disconnect()

    async_to_sync(session)()
    assert QueuedContact.objects.get(external_id="c-1").offered_to_id == mine.pk


async def _socket_for(user, origin=b"http://localhost"):
    """The user's desktop socket, signed in with their session cookie; None if refused."""
    from channels.db import database_sync_to_async

    client = await database_sync_to_async(signed_in)(user)
    if user.username == "desk-halfway":
        await database_sync_to_async(_second_factor_due)(client)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket = WebsocketCommunicator(application, "/ws/desktop/", headers=[(b"origin", origin), (b"cookie", cookie)])
    connected, _code = await socket.connect()
    return socket if connected else None


def _second_factor_due(client) -> None:
    session = client.session
    session[SECOND_FACTOR_DUE] = True
    session.save()


async def _offered_elsewhere(call_id, caller):
    """As a web worker would, outside the socket's loop: the push must come from the event log."""
    from channels.db import database_sync_to_async

    return json.loads(json.dumps(await database_sync_to_async(voice.call_offered)(call_id, caller)))


def test_the_services_refuse_states_agents_do_not_set_themselves(users):
    agent = on_roster(users[Role.AGENT], "8001")
    with pytest.raises(ValidationError) as error:
        services.set_agent_state(agent, Agent.State.BUSY)
    assert "available, on a break or offline" in str(error.value)


def test_the_caller_s_card_shows_only_what_the_agent_may_see_of_the_customer(users, customers, org):
    """A service advisor on the roster sees the car it services, not a dealer's sales talk (as on the 360 page)."""
    advisor = users[Role.SERVICE_ADVISOR]
    on_roster(advisor, "8005")
    li = customers["li"]
    customer_services.add_interaction(users[Role.ADMIN], li.pk, {
        "channel": "visit", "direction": "in", "occurred_at": timezone.now(), "subject": "试驾途观L，谈价格",
        "org_unit": org["D-SH2"]})
    offered = voice.call_offered("c-1", "13900139000")
    card = signed_in(advisor).get(reverse_("contact_center:desktop_card", offered["contact_id"])).content.decode()
    assert "李娜" in card and "LSVCC6A48PN000007" in card
    assert "试驾途观L" not in card
    assert "试驾途观L" in signed_in(users[Role.ADMIN]).get(f"/customers/{li.pk}/").content.decode()
