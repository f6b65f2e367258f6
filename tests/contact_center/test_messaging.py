"""SMS and WeChat (issue 11, item 2): a provider's signed messages become routed contacts for the right customer and
join the open conversation of the same number or openid; agents reply through the messaging gateway; the reply
endpoint and the desktop's conversation panel answer only the agent handling the contact."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from guanxi.contact_center import messaging, push, services, webhooks
from guanxi.contact_center.models import Agent, ContactEvent, Message, QueuedContact
from guanxi.core import outbox
from guanxi.core.roles import Role
from guanxi.customers import services as customer_services
from guanxi.customers.models import Channel, Direction, Interaction
from tests.contact_center.test_voice import signed

TEXT_CHANNELS = {"sms": 2, "wechat": 2, "email": 2}
T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def on_roster(user):
    return Agent.objects.create(user=user, state=Agent.State.AVAILABLE, capacity=TEXT_CHANNELS)


def provider(source: str, **body):
    """What the SMS provider or the WeChat adapter posts: the response."""
    return Client(HTTP_ACCEPT_LANGUAGE="en").post(f"/api/contact-center/{source}/events",
                                                  **signed(body, secret=webhooks.secret_for(source)))


def sent(source: str, **body) -> dict:
    response = provider(source, **body)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("source", ["sms", "wechat"])
def test_unsigned_badly_signed_and_replayed_messages_are_refused_and_file_nothing(source, users):
    url = f"/api/contact-center/{source}/events"
    body = {"message_id": "m-1", "sender": "13800138000", "text": "hello"}
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users[Role.ADMIN])  # a user's session is no signature
    assert client.post(url, body, content_type="application/json").status_code == 401
    other = "cti" if source == "sms" else "sms"  # signed, but with another source's secret
    assert client.post(url, **signed(body, secret=webhooks.secret_for(other))).status_code == 401
    first = signed(body, secret=webhooks.secret_for(source), nonce="n-1")
    assert client.post(url, **first).status_code == 200
    replay = client.post(url, **first)
    assert replay.status_code == 401 and "Replayed" in replay.json()["detail"]
    assert Message.objects.count() == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"sender": "13800138000", "text": "hello"}, "message_id"),
    ({"message_id": "", "sender": "13800138000", "text": "hello"}, "message_id"),
    ({"message_id": "m-1", "text": "hello"}, "sender"),
    ({"message_id": "m-1", "sender": "13800138000", "text": ""}, "text"),
    ({"message_id": "m-1", "sender": "13800138000", "text": "x" * 4001}, "text"),
    ({"message_id": "m-1", "sender": "13800138000", "text": "hello", "at": "yesterday"}, "at"),
])
def test_a_bad_message_is_a_422_naming_the_field_and_can_be_sent_again_mended(body, field, users):
    refused = provider("sms", **body)
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == field, refused.content
    assert not Message.objects.exists()
    assert sent("sms", message_id="m-1", sender="13800138000", text="hello")["duplicate"] is False


def test_an_sms_is_routed_for_the_customer_its_conversation_kept_together_and_answered_through_the_gateway(
        users, customers):
    zhang, agent_user = customers["zhang"], users[Role.AGENT]
    agent = on_roster(agent_user)
    first = sent("sms", message_id="sms-1", sender="+86 138 0013 8000", recipient="10690000", text="车灯亮了怎么办",
                 at=T0.isoformat())
    assert (first["customer_id"], first["state"], first["duplicate"]) == (zhang.pk, "offered", False)
    contact = QueuedContact.objects.get(pk=first["contact_id"])
    assert (contact.channel, contact.offered_to_id, contact.arrival, contact.tier) == ("sms", agent.pk, T0, zhang.tier)
    assert sent("sms", message_id="sms-1", sender="+86 138 0013 8000", text="车灯亮了怎么办")["duplicate"] is True
    again = sent("sms", message_id="sms-2", sender="+86 138 0013 8000", recipient="10690000", text="是黄色的发动机灯")
    assert (again["contact_id"], again["duplicate"]) == (contact.pk, False)  # the open conversation
    told = ContactEvent.objects.get(contact=contact, kind=ContactEvent.Kind.MESSAGE)  # the desktop is told
    assert (told.agent_id, told.data["message"]) == (agent.pk, contact.messages.get(external_id="sms-2").pk)
    assert ContactEvent.Kind.MESSAGE in push.PUSHED

    services.accept_offer(agent, contact.pk)
    reply = messaging.reply(agent_user, contact.pk, "请尽快到店检查，我们为您预约。")
    command = ContactEvent.objects.get(contact=contact, kind=ContactEvent.Kind.COMMAND, data__command="send").data
    assert command == {"command": "send", "channel": "sms", "to": "+86 138 0013 8000", "message_id": reply.external_id}
    assert (reply.sender, reply.in_reply_to, reply.agent_id) == ("10690000", "sms-2", agent.pk)
    entry = Interaction.objects.get(customer=zhang, direction=Direction.OUTBOUND)
    assert (entry.channel, entry.summary) == (Channel.SMS, "请尽快到店检查，我们为您预约。")
    assert list(contact.messages.values_list("direction", flat=True)) == ["in", "in", "out"]

    services.complete_contact(agent, contact.pk)
    later = sent("sms", message_id="sms-3", sender="+86 138 0013 8000", text="谢谢")
    assert later["contact_id"] != contact.pk and later["customer_id"] == zhang.pk  # over: a new conversation
    unknown = sent("sms", message_id="sms-4", sender="021 5555 0101", text="你们几点关门？")
    assert (unknown["customer_id"], QueuedContact.objects.get(pk=unknown["contact_id"]).party) == (
        None, "021 5555 0101")


def test_a_wechat_sender_is_known_by_the_wechat_id_on_file_or_by_an_openid_an_agent_tied_to_a_customer(
        users, customers):
    li, wang = customers["li"], customers["wang"]
    customer_services.add_contact_point(users[Role.ADMIN], li.pk, {"kind": "wechat", "value": "oLiNa_openid_0001"})
    on_roster(users[Role.AGENT])
    assert sent("wechat", message_id="w-1", sender="oLiNa_openid_0001", text="在吗")["customer_id"] == li.pk
    stranger = sent("wechat", message_id="w-2", sender="oWang_openid_0002", text="我的车什么时候保养")
    assert stranger["customer_id"] is None
    QueuedContact.objects.filter(pk=stranger["contact_id"]).update(customer=wang, state="done")  # the agent matched
    assert sent("wechat", message_id="w-3", sender="oWang_openid_0002", text="还有一个问题")["customer_id"] == wang.pk
    assert sent("sms", message_id="w-3", sender="13900139000", text="同一个编号，另一个渠道")["duplicate"] is False


def test_a_wechat_reply_goes_out_only_within_48_hours_of_the_customer_s_last_message(users, customers):
    agent_user = users[Role.AGENT]
    agent = on_roster(agent_user)
    contact_id = sent("wechat", message_id="w-1", sender="oX", text="你好", at=T0.isoformat())["contact_id"]
    services.accept_offer(agent, contact_id, now=T0)
    with pytest.raises(ValidationError) as late:
        messaging.reply(agent_user, contact_id, "您好", now=T0 + dt.timedelta(hours=49))
    assert "48 hours" in late.value.message_dict["contact"][0]
    assert messaging.reply(agent_user, contact_id, "您好", now=T0 + dt.timedelta(hours=47)).recipient == "oX"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.DEALER_SALES, Role.ANALYST, Role.AGENT])
def test_the_reply_endpoint_and_the_conversation_panel_answer_only_the_agent_handling_the_contact(role, users):
    """The isolation matrix of POST /api/contact-center/contacts/{id}/reply and of the desktop's conversation panel:
    403 off the roster, 404 for another agent's contact (nothing sent), the agent's own contact answered."""
    colleague = on_roster(users["other_dealer"])
    theirs = sent("sms", message_id="m-theirs", sender="021 5555 0101", text="hello")
    assert QueuedContact.objects.get(pk=theirs["contact_id"]).offered_to_id == colleague.pk
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users[role])

    def reply_to(contact_id, text="您好"):
        return client.post(f"/api/contact-center/contacts/{contact_id}/reply", {"body": text},
                           content_type="application/json")

    panel = reverse("contact_center:desktop_conversation", args=[theirs["contact_id"]])
    assert (reply_to(theirs["contact_id"]).status_code, client.get(panel).status_code) == (403, 403)
    assert client.post(panel, {"body": "您好"}).status_code == 403
    mine = on_roster(users[role])
    assert (reply_to(theirs["contact_id"]).status_code, client.get(panel).status_code) == (404, 404)
    assert client.post(panel, {"body": "您好"}).status_code == 404
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()

    Agent.objects.filter(pk=colleague.pk).update(state=Agent.State.OFFLINE)
    own = sent("sms", message_id="m-mine", sender="021 5555 0102", text="hello")["contact_id"]
    assert QueuedContact.objects.get(pk=own).offered_to_id == mine.pk
    not_yet = reply_to(own)
    assert not_yet.status_code == 422 and not_yet.json()["detail"][0]["field"] == "contact"
    services.accept_offer(mine, own)
    answered = reply_to(own, "请问您的车牌号？")
    assert answered.status_code == 201, answered.content
    assert Message.objects.get(pk=answered.json()["id"]).body == "请问您的车牌号？"
    assert reply_to(own, "").json()["detail"][0]["field"] == "body"
    own_panel = reverse("contact_center:desktop_conversation", args=[own])
    page = client.get(own_panel).content.decode()
    assert "请问您的车牌号？" in page and "Send by SMS" in page
    refused = client.post(own_panel, {"body": " "}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and "Write the reply first" in refused.content.decode()
    assert client.post(own_panel, {"body": "好的"}, HTTP_HX_REQUEST="true").status_code == 200
    assert list(Message.objects.filter(contact_id=own).values_list("body", flat=True)) == [
        "hello", "请问您的车牌号？", "好的"]


def test_the_caller_s_card_of_a_text_contact_loads_its_conversation(users, customers):
    agent = on_roster(users[Role.AGENT])
    contact_id = sent("sms", message_id="m-1", sender="13800138000", text="hello", at=timezone.now().isoformat())[
        "contact_id"]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users[Role.AGENT])
    card = client.get(reverse("contact_center:desktop_card", args=[contact_id])).content.decode()
    assert reverse("contact_center:desktop_conversation", args=[contact_id]) in card
    panel = client.get(reverse("contact_center:desktop_conversation", args=[contact_id])).content.decode()
    assert "hello" in panel and "Accept the contact to reply" in panel
    assert QueuedContact.objects.get(pk=contact_id).offered_to_id == agent.pk


def test_erasing_a_customer_blanks_their_messages_and_numbers_in_the_contact_center(users, customers):
    zhang = customers["zhang"]
    agent = on_roster(users[Role.AGENT])
    filed = sent("sms", message_id="sms-e1", sender="+86 138 0013 8000", recipient="10690000", text="我的地址是上海市…")
    services.accept_offer(agent, filed["contact_id"])
    messaging.reply(users[Role.AGENT], filed["contact_id"], "好的")
    other = sent("sms", message_id="sms-e2", sender="021 5555 0101", text="你们几点关门？")  # nobody's
    chat, _new = messaging.receive(messaging.Incoming(  # a visitor who typed 张伟's number
        channel="chat", external_id="chat-e3", sender="张 · 13800138000 · #e3", body="我的车", at=timezone.now(),
        claimed=(("phone", "13800138000"),)))
    customer_services.erase_customer(users[Role.ADMIN], zhang.pk)
    outbox.dispatch()
    message = Message.objects.get(external_id="sms-e1")
    assert (message.sender, message.body) == ("", "")
    assert QueuedContact.objects.get(pk=filed["contact_id"]).party == ""
    assert not any("to" in data for data in ContactEvent.objects.filter(contact_id=filed["contact_id"])
                   .values_list("data", flat=True))  # where the gateway sent the reply
    assert ContactEvent.objects.filter(contact_id=filed["contact_id"], kind=ContactEvent.Kind.QUEUED).exists()
    assert Message.objects.get(external_id="sms-e2").body == "你们几点关门？"  # another party's stays
    assert QueuedContact.objects.get(pk=other["contact_id"]).party == "021 5555 0101"
    claimed = QueuedContact.objects.get(pk=chat.contact_id)
    assert (claimed.party, claimed.claimed_customer_id, Message.objects.get(pk=chat.pk).body) == ("", None, "")
