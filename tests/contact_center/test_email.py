"""The e-mail channel (issue 11, item 2): mail sent to the contact center's SMTP receiver becomes a routed contact
for the right customer, the agent's reply reaches the customer's mail server threaded under their mail, and the
customer's answer joins the conversation; broken, unknown and oversize mail, on whichever database the suite
runs on. Real SMTP servers on localhost (aiosmtpd) on both sides, real smtplib clients."""

import asyncio
import contextlib
import io
import os
import signal
import smtplib
import socket
import threading
import time
import types
from email.message import EmailMessage

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import OperationalError
from django.http import Http404
from django.utils import translation

from guanxi.contact_center import mail, messaging, services
from guanxi.contact_center.models import Agent, ContactEvent, Message, QueuedContact
from guanxi.core.roles import Role
from guanxi.customers.models import Channel, Direction, Interaction
from tests.service import test_surveys

# committed rows: the receiver files each mail from its own thread, on its own connection; the roles the
# migrations seeded are put back for the next test
COMMITTED = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ZHANG = "张伟 <Zhang.Wei@Example.cn>"


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def on_roster(user, **capacity):
    return Agent.objects.create(user=user, state=Agent.State.AVAILABLE, capacity=capacity or {"email": 2})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def written(sender=ZHANG, subject="保养预约", text="我想预约4万公里保养，周六上午可以吗？", **headers) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "service@guanxi.local", subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message.as_bytes()


def deliver(port: int, raw: bytes, sender="zhang.wei@example.cn") -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail(sender, ["service@guanxi.local"], raw)


@contextlib.contextmanager
def contact_center_receiver():
    """The contact center's SMTP receiver (mail.controller) on a free port."""
    server = mail.controller("127.0.0.1", free_port())
    server.start()
    try:
        yield server.port
    finally:
        server.stop()


# the customer's mail server, where Django's SMTP backend delivers the agents' replies: what it received, parsed
customers_mail_server = test_surveys.smtp_server


def kinds(contact):
    return list(contact.events.values_list("kind", flat=True))


@COMMITTED
def test_a_mail_is_routed_to_an_agent_answered_in_its_thread_and_the_customer_s_answer_joins_it(
        users, customers, customers_mail_server):
    zhang, agent_user = customers["zhang"], users[Role.AGENT]
    agent = on_roster(agent_user)
    inbox = customers_mail_server
    with contact_center_receiver() as port:
        deliver(port, written(Message_ID="<first@example.cn>"))
        contact = QueuedContact.objects.get()
        assert (contact.channel, contact.customer_id, contact.tier, contact.party) == (
            "email", zhang.pk, zhang.tier, "Zhang.Wei@Example.cn")
        assert (contact.state, contact.offered_to_id, kinds(contact)) == ("offered", agent.pk, ["queued", "offered"])
        first = contact.messages.get()
        assert (first.external_id, first.subject, first.body, first.direction) == (
            "first@example.cn", "保养预约", "我想预约4万公里保养，周六上午可以吗？", Direction.INBOUND)

        services.accept_offer(agent, contact.pk)
        reply = messaging.reply(agent_user, contact.pk, "您好，周六上午九点可以，已为您预约。")
        ((recipients, sent),) = inbox
        assert recipients == ["Zhang.Wei@Example.cn"]
        assert (sent["Message-ID"], sent["In-Reply-To"], sent["References"], sent["Subject"]) == (
            f"<{reply.external_id}>", "<first@example.cn>", "<first@example.cn>", "Re: 保养预约")
        assert sent.get_content().strip() == "您好，周六上午九点可以，已为您预约。"
        on_timeline = Interaction.objects.get(customer=zhang, direction=Direction.OUTBOUND)
        assert (on_timeline.channel, on_timeline.user_id, on_timeline.summary) == (
            Channel.EMAIL, agent_user.pk, "您好，周六上午九点可以，已为您预约。")

        # the customer answers the reply from their mail client: it names the reply, so it joins the contact
        deliver(port, written(subject="Re: 保养预约", text="好的，谢谢！", Message_ID="<second@example.cn>",
                              In_Reply_To=sent["Message-ID"], References=f"<first@example.cn> {sent['Message-ID']}"))
        assert QueuedContact.objects.count() == 1

        # someone else who saw the thread (a forward, a copy) answers it: naming the thread proves nothing, so it is
        # their own conversation, not the customer's contact, and not shown as the customer
        outsider = written(sender="someone@else.example", subject="Re: 保养预约", text="我也想预约",
                           Message_ID="<outsider@example.cn>", In_Reply_To=sent["Message-ID"])
        deliver(port, outsider)
        stranger = Message.objects.get(external_id="outsider@example.cn").contact
        assert stranger.pk != contact.pk and stranger.customer_id is None
        assert list(contact.messages.values_list("direction", flat=True)) == ["in", "out", "in"]
        services.complete_contact(agent, contact.pk)

        # an answer once the contact is over starts a new one for the same customer
        later = written(subject="Re: 保养预约", text="能改到周日吗？",
                        Message_ID="<third@example.cn>", In_Reply_To="<second@example.cn>")
        deliver(port, later)
        deliver(port, later)  # delivered twice: filed once
        newer = QueuedContact.objects.exclude(pk__in=(contact.pk, stranger.pk)).get()
        assert (newer.customer_id, newer.offered_to_id) == (zhang.pk, agent.pk)
        assert list(newer.messages.values_list("external_id", flat=True)) == ["third@example.cn"]


BROKEN = b"""From: =?utf-8?b?5byg5Lyf?= <Zhang.Wei@Example.cn>
To: service@guanxi.local
Subject: =?utf-8?b?5L+d5YW7?=
Message-ID: <broken@example.cn>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"

--XX
Content-Type: text/plain; charset="gb2312"
Content-Transfer-Encoding: base64

xOO6wyzO0s/rsaPR+A==
--XX
Content-Type: text/plain; charset="x-no-such-charset"
Content-Transfer-Encoding: quoted-printable

VIN LSVAU218XN2183294 =E4=BD=A0=E5=A5=BD
--XX
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

@@@@
--XX
Content-Type: application/pdf; name="invoice.pdf"
Content-Disposition: attachment; filename="invoice.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
"""


def _when_listening(port: int, seconds: float = 10) -> None:
    """Returns once something accepts connections on the port (the command has started its server)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@COMMITTED
def test_the_receiver_command_files_broken_and_unknown_mail_and_refuses_oversize_mail(users, customers, settings):
    """`guanxi manage smtp_receiver` as an operator runs it, stopped as a service manager stops it (SIGTERM)."""
    settings.GUANXI_MAIL_MAX_BYTES = 50_000
    port, outcome = free_port(), {}
    Agent.objects.filter(pk=on_roster(users[Role.AGENT]).pk).update(state=Agent.State.BREAK)

    def senders():
        _when_listening(port)  # the command has started: its SIGTERM handler is in place
        try:
            deliver(port, BROKEN)
            deliver(port, written(sender="陌生人 <stranger@example.com>", text="Do you sell winter tyres?",
                                  Message_ID="<unknown@example.com>"), sender="stranger@example.com")
            try:
                deliver(port, written(text="x" * 60_000, Message_ID="<big@example.cn>"))
            except smtplib.SMTPException as refused:
                outcome["oversize"] = refused
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            outcome["error"] = exc
        finally:
            os.kill(os.getpid(), signal.SIGTERM)

    sending = threading.Thread(target=senders)
    sending.start()
    call_command("smtp_receiver", host="127.0.0.1", port=port, stdout=io.StringIO())
    sending.join()
    assert "error" not in outcome, outcome
    assert outcome["oversize"].smtp_code == 552
    assert not Message.objects.filter(external_id="big@example.cn").exists()

    broken = Message.objects.get(external_id="broken@example.cn")
    assert (broken.contact.customer_id, broken.subject) == (customers["zhang"].pk, "保养")
    with translation.override(settings.LANGUAGE_CODE):  # no request: the receiver notes in the installation's
        unread = translation.gettext("[Parts that could not be read: %(parts)s]") % {"parts": "text/plain"}
        dropped = translation.gettext("[Attachments not kept: %(names)s]") % {"names": "invoice.pdf"}
    assert broken.body == f"你好,我想保养\n\nVIN LSVAU218XN2183294 你好\n\n{unread}\n\n{dropped}"
    stranger = Message.objects.get(external_id="unknown@example.com")
    assert (stranger.contact.customer_id, stranger.contact.party, stranger.contact.tier, stranger.contact.state) == (
        None, "stranger@example.com", "standard", "waiting")  # the one agent is on a break: it waits


def test_what_is_kept_of_html_mail_of_mail_without_an_id_and_of_a_thread_named_in_references_only(users, customers):
    agent = on_roster(users[Role.AGENT])
    html_only = EmailMessage()
    html_only["From"], html_only["Subject"] = ZHANG, "\u202e试驾"
    html_only.set_content("<p>想试驾<b>途观L</b>&amp;帕萨特</p>", subtype="html")
    first = mail.receive_mail(html_only.as_bytes())
    assert (first.body, first.subject) == ("想试驾途观L&帕萨特", "试驾")  # a direction override is no subject
    assert first.external_id.startswith("sha256-")
    assert mail.receive_mail(html_only.as_bytes()).pk == first.pk  # no Message-ID, delivered again: the same
    assert mail.receive_mail(written(text="", Message_ID="<empty@example.cn>")).body == "[The mail has no text]"

    answer = written(text="周末可以吗", Message_ID="<ref@example.cn>", References=f"<x@y> <{first.external_id}>")
    assert mail.receive_mail(answer).contact_id == first.contact_id
    assert QueuedContact.objects.get(pk=first.contact_id).offered_to_id == agent.pk


def test_a_reply_is_refused_with_the_reason_and_nothing_is_recorded_or_sent(users, customers, settings):
    agent_user = users[Role.AGENT]
    agent = on_roster(agent_user)
    on_roster(users[Role.SUPERVISOR])
    contact = QueuedContact.objects.get(pk=mail.receive_mail(written(Message_ID="<q@example.cn>")).contact_id)
    assert contact.offered_to_id == agent.pk

    def refusal(user=agent_user, body="您好", **fields):
        with pytest.raises(ValidationError) as refused:
            messaging.reply(user, contact.pk, body, **fields)
        return refused.value.message_dict

    assert refusal() == {"contact": ["Accept the contact before replying"]}
    services.accept_offer(agent, contact.pk)
    assert refusal(body="  ") == {"body": ["Write the reply first"]}
    assert refusal(body="x" * 20_001) == {"body": ["A reply by Email is at most 20000 characters"]}
    assert "body" in refusal(body="您好\u202e")
    assert "subject" in refusal(subject="Re:\u200b")
    with pytest.raises(Http404):
        messaging.reply(users[Role.SUPERVISOR], contact.pk, "您好")  # on the roster, not their contact
    with pytest.raises(PermissionDenied):
        messaging.reply(users[Role.ADMIN], contact.pk, "您好")  # off the roster

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens: the server is down
    assert "The reply could not be sent" in refusal()["contact"][0]
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()
    assert not Interaction.objects.filter(direction=Direction.OUTBOUND).exists()
    assert not ContactEvent.objects.filter(kind=ContactEvent.Kind.COMMAND).exists()

    services.complete_contact(agent, contact.pk)
    assert refusal() == {"contact": ["This contact is over: it can no longer be answered here"]}


def test_a_thread_of_a_hundred_thousand_references_is_read_in_a_moment_keeping_its_first_and_latest_ids():
    """The standard library's header parser took 315 s for a 9 MB References header (a mail anyone may send):
    the receiver now reads the ids from the raw header, and keeps the thread's first and latest ones."""
    ids = [f"<m{n}.{'x' * 20}@example.cn>" for n in range(100_000)]  # 3.8 MB
    raw = b"References: " + "\r\n ".join(ids).encode() + b"\r\n" + written(
        Message_ID="<long@example.cn>", In_Reply_To=ids[-1], Subject_Extra="x" * 200_000)
    began = time.perf_counter()
    incoming = mail.parse(raw)
    assert time.perf_counter() - began < 5
    assert incoming.references[0] == ids[0][1:-1] and incoming.references[-1] == ids[-1][1:-1]
    assert len(incoming.references) == mail.MAX_REFERENCES
    assert (incoming.external_id, incoming.in_reply_to, incoming.subject) == ("long@example.cn", ids[-1][1:-1],
                                                                            "保养预约")
    encoded = " ".join(f"=?utf-8?q?=3Cm{n}.{'x' * 20}=40example.cn=3E?=" for n in range(100_000))  # 4.4 MB
    began = time.perf_counter()
    incoming = mail.parse(b"References: " + encoded.encode() + b"\r\n" + written())
    assert time.perf_counter() - began < 5  # the standard library's decode_header: 137 s for 3 MB
    assert incoming.references[-1] == f"m99999.{'x' * 20}@example.cn"


@pytest.mark.parametrize(("failure", "answer"), [
    (OperationalError("database is locked"), "451 4.3.0"),  # the sending server keeps the mail and retries
    (RecursionError("maximum recursion depth exceeded"), "554 5.6.0"),  # would fail on every retry: bounced
])
def test_a_mail_that_cannot_be_stored_is_retried_and_one_that_cannot_be_read_is_bounced(monkeypatch, failure, answer):
    def failing(raw, envelope_from, recipients):
        raise failure

    monkeypatch.setattr(mail, "_deliver", failing)
    envelope = types.SimpleNamespace(content=written(), mail_from="zhang.wei@example.cn",
                                     rcpt_tos=["service@guanxi.local"])
    assert asyncio.run(mail.Receiver().handle_DATA(None, None, envelope)).startswith(answer)
