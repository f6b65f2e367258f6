"""Web chat (issue 11, item 2): a visitor's widget talks to guanxi.asgi's ws/chat/ socket. Their lines become a
routed chat contact (the customer their phone or e-mail names put to the agent to confirm), the agent's reply
and the end of the contact reach their open widgets, a reload continues the conversation, a flood is refused
and not filed, and only pages of the allowed sites may open the socket."""

import datetime as dt

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guanxi.asgi import application
from guanxi.contact_center import chat, messaging, services
from guanxi.contact_center.chat_views import chat_socket_url
from guanxi.contact_center.models import Agent, ContactEvent, Message, QueuedContact
from guanxi.core.roles import Role
from guanxi.customers.models import Channel, Direction, Interaction
from tests.contact_center.test_desktop import _socket_for as desktop_socket

# committed rows (the socket's poller reads them from another thread), and the roles the migrations seeded kept
SOCKETS = pytest.mark.django_db(transaction=True, serialized_rollback=True)
OWN = b"http://localhost:8000"


@pytest.fixture(autouse=True)
def _fresh_limits(monkeypatch):
    """Each test its own count of lines per visitor and address: the tests' sockets share one address."""
    monkeypatch.setattr(chat, "_window", chat.Window(chat.LINES, chat.PER_SECONDS))


def on_roster(user) -> Agent:
    return Agent.objects.create(user=user, state=Agent.State.AVAILABLE, capacity={"chat": 3})


async def widget(origin=OWN, forwarded: str = ""):
    """A visitor's widget connected to the socket; None if the socket refused it."""
    headers = [(b"origin", origin)] + ([(b"x-forwarded-for", forwarded.encode())] if forwarded else [])
    socket = WebsocketCommunicator(application, "/ws/chat/", headers=headers)
    connected, _code = await socket.connect()
    return socket if connected else None


async def started(name="访客", phone="", email="", **connection) -> tuple[WebsocketCommunicator, str]:
    """A new visitor who gave their details: the socket and the token the widget keeps."""
    socket = await widget(**connection)
    await socket.send_json_to({"type": "hello", "token": None})
    assert await socket.receive_json_from() == {"type": "who"}
    await socket.send_json_to({"type": "start", "name": name, "phone": phone, "email": email})
    session = await socket.receive_json_from()
    assert (session["type"], session["name"]) == ("session", name)
    return socket, session["token"]


async def said(socket, text: str) -> dict:
    await socket.send_json_to({"type": "line", "text": text})
    return await socket.receive_json_from(timeout=5)


def _in_thread(function, *args):
    return database_sync_to_async(function)(*args)


@SOCKETS
def test_a_visitor_s_line_is_routed_confirmed_as_the_customer_answered_in_their_widget_and_ended(users, customers):
    zhang, agent_user = customers["zhang"], users[Role.AGENT]
    agent = on_roster(agent_user)

    async def session():
        socket, token = await started("张先生", phone="138 0013 8000")
        first = await said(socket, "车灯亮了怎么办？")
        assert (first["type"], first["from"], first["text"]) == ("message", "visitor", "车灯亮了怎么办？")
        contact = await _in_thread(lambda: QueuedContact.objects.select_related("customer").get(pk=first["contact"]))
        # a typed number is a claim: put to the agent, not taken (nor the customer's tier)
        assert (contact.channel, contact.customer, contact.offered_to_id) == ("chat", None, agent.pk)
        assert (contact.claimed_customer_id, contact.tier) == (zhang.pk, "standard")
        assert contact.party.startswith("张先生 · 138 0013 8000 · #")
        assert (await said(socket, "是黄色的灯"))["contact"] == contact.pk  # the open conversation

        await _in_thread(services.accept_offer, agent, contact.pk)
        assert await socket.receive_json_from(timeout=5) == {"type": "joined", "contact": contact.pk}
        await _in_thread(services.identify_party, agent, contact.pk, zhang.pk)  # asked what only 张伟 would know
        await _in_thread(messaging.reply, agent_user, contact.pk, "请尽快到店检查，我们为您预约。")
        reply = await socket.receive_json_from(timeout=5)  # written by a web worker, read from the event log
        assert (reply["type"], reply["from"], reply["text"]) == ("message", "agent", "请尽快到店检查，我们为您预约。")

        reloaded = await widget()  # a reload: the kept token continues the conversation
        await reloaded.send_json_to({"type": "hello", "token": token})
        assert (await reloaded.receive_json_from())["type"] == "session"
        history = [await reloaded.receive_json_from() for _ in range(4)]
        assert [(frame["type"], frame.get("from")) for frame in history] == [
            ("message", "visitor"), ("message", "visitor"), ("message", "agent"), ("joined", None)]

        await _in_thread(services.complete_contact, agent, contact.pk)
        for widget_open in (socket, reloaded):
            assert await widget_open.receive_json_from(timeout=5) == {"type": "ended", "contact": contact.pk}
        again = await said(reloaded, "还有一个问题")
        assert again["contact"] != contact.pk  # over: the next line starts a new conversation
        assert (await socket.receive_json_from(timeout=5))["id"] == again["id"]  # both tabs show it
        await socket.disconnect()
        await reloaded.disconnect()
        return contact

    contact = async_to_sync(session)()
    assert list(Message.objects.filter(contact=contact).values_list("direction", flat=True)) == ["in", "in", "out"]
    entries = Interaction.objects.filter(customer=zhang, channel=Channel.CHAT)
    assert {entry.direction: entry.summary for entry in entries} == {
        Direction.INBOUND: "", Direction.OUTBOUND: "请尽快到店检查，我们为您预约。"}


@SOCKETS
def test_a_chat_whose_visitor_left_before_anyone_answered_is_abandoned_and_a_reload_is_not_leaving(users):
    """A visitor who closes the page while waiting no longer waits in the queue for an agent who would find
    nobody there; one who reloads within the minute keeps their place, and an agent the chat was being offered
    to is free again."""
    agent = on_roster(users[Role.AGENT])
    agent.state = Agent.State.OFFLINE
    agent.save()

    async def visit(reload: bool) -> int:
        socket, token = await started()
        contact_id = (await said(socket, "在吗？"))["contact"]
        await socket.disconnect()
        if reload:
            again = await widget()
            await again.send_json_to({"type": "hello", "token": token})
            assert (await again.receive_json_from())["type"] == "session"
            await again.receive_json_from()  # the line so far
            await again.disconnect()  # and gone, but not for long yet
        return contact_id

    def state_after(contact_id, seconds):
        messaging.abandon_left_chats(now=timezone.now() + dt.timedelta(seconds=seconds))
        return QueuedContact.objects.get(pk=contact_id).state

    left = async_to_sync(visit)(reload=False)
    assert state_after(left, 30) == QueuedContact.State.WAITING  # a minute's grace
    assert state_after(left, 61) == QueuedContact.State.ABANDONED
    reloaded = async_to_sync(visit)(reload=True)
    presence = ContactEvent.objects.filter(contact_id=reloaded, kind__in=("left", "back"))
    assert list(presence.values_list("kind", flat=True)) == ["left", "back", "left"]
    # offered to an agent when the visitor goes: abandoned, and the agent free for the next
    services.set_agent_state(agent, Agent.State.AVAILABLE)
    assert QueuedContact.objects.get(pk=reloaded).offered_to_id == agent.pk
    assert state_after(reloaded, 61) == QueuedContact.State.ABANDONED
    agent.refresh_from_db()
    assert agent.state == Agent.State.AVAILABLE


@SOCKETS
def test_the_agent_in_a_chat_is_told_at_once_that_its_visitor_left_and_that_they_came_back(users):
    """The visitor's last widget closes mid-conversation: the agent's desktop socket hears it and the conversation
    panel says when (a reply still waits for them); their widget open again, the panel no longer says it."""
    agent_user = users[Role.AGENT]
    agent = on_roster(agent_user)
    panel = Client(HTTP_ACCEPT_LANGUAGE="en")
    panel.force_login(agent_user)

    def says_left(contact_id) -> bool:
        page = panel.get(reverse("contact_center:desktop_conversation", args=[contact_id])).content.decode()
        return "The visitor closed the chat at" in page

    async def session():
        socket, token = await started()
        contact_id = (await said(socket, "在吗？"))["contact"]
        await _in_thread(services.accept_offer, agent, contact_id)
        assert (await socket.receive_json_from(timeout=5))["type"] == "joined"
        desktop = await desktop_socket(agent_user)
        await socket.disconnect()
        told = await desktop.receive_json_from(timeout=5)
        assert (told["kind"], told["contact"]) == ("left", contact_id)
        assert await _in_thread(says_left, contact_id)
        again = await widget()
        await again.send_json_to({"type": "hello", "token": token})
        assert (await again.receive_json_from())["type"] == "session"
        told = await desktop.receive_json_from(timeout=5)
        assert (told["kind"], told["contact"]) == ("back", contact_id)
        assert not await _in_thread(says_left, contact_id)
        await again.disconnect()
        await desktop.disconnect()

    async_to_sync(session)()


@SOCKETS
def test_typed_details_naming_one_customer_are_a_claim_and_naming_two_or_none_no_claim(users, customers):
    on_roster(users[Role.AGENT])

    async def customer_of(**details):
        socket, _token = await started(**details)
        line = await said(socket, "你好")
        await socket.disconnect()
        contact = await _in_thread(lambda: QueuedContact.objects.get(pk=line["contact"]))
        assert contact.customer_id is None  # whatever they typed
        return contact.claimed_customer_id

    assert async_to_sync(customer_of)(email="zhang.wei@example.cn") == customers["zhang"].pk
    assert async_to_sync(customer_of)(phone="13800138000", email="nobody@example.cn") == customers["zhang"].pk
    assert async_to_sync(customer_of)(phone="13900139000", email="zhang.wei@example.cn") is None  # 李娜 and 张伟
    assert async_to_sync(customer_of)(name="路人") is None


@SOCKETS
def test_a_flood_is_refused_politely_per_visitor_and_per_address_and_nothing_refused_is_filed(settings, users):
    on_roster(users[Role.AGENT])
    settings.GUANXI_TRUSTED_PROXIES = 1

    async def session():
        socket, _token = await started(forwarded="203.0.113.7")
        for number in range(chat.LINES):
            assert (await said(socket, f"第 {number} 条"))["type"] == "message"
        assert await said(socket, "再来一条") == {"type": "refused", "reason": "flood"}
        # a new token from the same address does not get round it; another address is not held back
        same_place, _token = await started(forwarded="10.0.0.9, 203.0.113.7")
        assert await said(same_place, "换个身份") == {"type": "refused", "reason": "flood"}
        elsewhere, _token = await started(forwarded="198.51.100.2")
        assert (await said(elsewhere, "别的地方"))["type"] == "message"

        assert await said(elsewhere, "长" * (chat.LINE_CHARS + 1)) == {"type": "refused", "reason": "too_long"}
        assert await said(elsewhere, "   ") == {"type": "refused", "reason": "empty"}
        assert await said(elsewhere, "bad\u202etext") == {"type": "refused", "reason": "invalid"}
        nobody = await widget()
        assert await said(nobody, "没有身份") == {"type": "refused", "reason": "no_session"}
        await elsewhere.send_to(text_data="x" * (chat.FRAME_BYTES + 1))  # too big a frame: the socket closes
        assert (await elsewhere.receive_output(timeout=5))["code"] == chat.TOO_BIG
        for open_socket in (socket, same_place, nobody):
            await open_socket.disconnect()

    async_to_sync(session)()
    assert Message.objects.count() == chat.LINES + 1
    assert not Message.objects.filter(body__in=["再来一条", "换个身份", "没有身份"]).exists()


def test_the_window_lets_lines_through_again_once_the_seconds_have_passed():
    window = chat.Window(2, 10.0)
    assert window.allows("v", now=0.0) and window.allows("v", now=1.0)
    assert not window.allows("v", now=9.9)
    assert window.allows("v", now=10.0)  # the first line left the window
    assert window.allows("w", now=10.0)  # one key's count is not another's


@SOCKETS
def test_only_the_allowed_sites_and_the_crm_s_own_pages_may_open_the_socket(settings):
    settings.GUANXI_CHAT_ORIGINS = ["https://www.dealer-sh1.example.cn", ".brand.example.cn"]

    async def session():
        opened = {}
        for origin in (b"https://www.dealer-sh1.example.cn", b"https://shop.brand.example.cn", OWN,
                       b"https://evil.example.com", b"http://www.dealer-sh1.example.cn", b"null"):
            socket = await widget(origin=origin)
            opened[origin] = socket is not None
            if socket is not None:
                await socket.disconnect()
        unnamed = WebsocketCommunicator(application, "/ws/chat/")
        opened[None] = (await unnamed.connect())[0]
        return opened

    assert async_to_sync(session)() == {
        b"https://www.dealer-sh1.example.cn": True, b"https://shop.brand.example.cn": True, OWN: True,
        b"https://evil.example.com": False, b"http://www.dealer-sh1.example.cn": False, b"null": False,
        None: False}


@SOCKETS
def test_a_forged_or_altered_token_is_asked_who_they_are_and_sees_no_conversation(users):
    on_roster(users[Role.AGENT])

    async def session():
        socket, token = await started("王女士", email="wang@example.cn")
        await said(socket, "在吗")
        forged = chat.Visitor(id="0" * 12, name="王女士").token()[:-2] + "xx"
        for bad in (forged, token[:-1], "", 42):
            stranger = await widget()
            await stranger.send_json_to({"type": "hello", "token": bad})
            assert await stranger.receive_json_from() == {"type": "who"}
            assert await stranger.receive_nothing(timeout=0.1)
            await stranger.disconnect()
        await socket.disconnect()

    async_to_sync(session)()


@pytest.mark.parametrize("role", [None, *Role.values])
def test_the_demo_page_and_the_socket_address_are_the_same_public_pages_for_everyone(role, users, settings):
    settings.GUANXI_WEBSOCKET_PORT = 8001
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if role is not None:
        client.force_login(users[role])
    demo = client.get("/chat-demo/")
    assert demo.status_code == 200
    assert 'src="/static/contact_center/chat-widget.js" data-guanxi="http://testserver"' in demo.content.decode()
    assert "ws://testserver:8001" in demo["Content-Security-Policy"]
    where = client.get("/contact-center/chat/socket/")
    assert where.json() == {"socket": "ws://testserver:8001/ws/chat/"}
    assert where["Access-Control-Allow-Origin"] == "*"
    assert client.post("/contact-center/chat/socket/").status_code == 405


def test_behind_a_proxy_the_chat_socket_is_beside_the_desktops(rf, settings):
    settings.GUANXI_WEBSOCKET_URL = "wss://crm.example.cn/realtime/ws/desktop/"
    assert chat_socket_url(rf.get("/")) == "wss://crm.example.cn/realtime/ws/chat/"
