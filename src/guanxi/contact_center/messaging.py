"""The text channels (e-mail, SMS, WeChat, web chat): messages in, routed like calls; agents' replies out.

Every text channel feeds the same routing as a call: a message that starts a conversation becomes a
queued contact (`services.enqueue_contact`, then `services.dispatch`), offered to an agent whose
desktop is told through the event log. Later messages of the same conversation join that contact
while it is open (waiting, offered or being handled), so one agent keeps one conversation:

* e-mail: an answer naming (In-Reply-To, References) a message Guanxi holds joins that message's
  contact, or, once that contact is over, starts a new one for the same customer; a mail naming
  nothing Guanxi holds starts a conversation;
* SMS, WeChat and web chat carry no such reference: a message from the number, openid or chat visitor
  (chat.py) of an open contact of that channel joins it.

The sender is identified as a caller is (`customers_reached_at`): one customer with that e-mail
address, phone number or WeChat ID, and the contact is theirs (their tier, their timeline); none or
several, and it is an unknown party's, the address kept. A WeChat openid differs per official
account, so it is rarely stored on the customer: failing that, an openid an agent has already tied
to a customer (an earlier message of a contact with a customer) names them again. A web chat visitor has no
address of the customer's: the phone number and e-mail address they typed into the widget (`Incoming.claimed`)
are only a claim anybody could type, so the customer they name (when they name one) is put to the agent as
"says they are", to check as on a call and confirm (`services.identify_party`); until then the contact is an
unknown party's, routed without the customer's tier and kept off their timeline.

A channel's own message id is held once (`Message.external_id`): a provider's retry or a mail
delivered twice returns the message already filed, nothing more happens.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.contact_center import services
from guanxi.contact_center.gateways import messaging
from guanxi.contact_center.models import Agent, ContactChannel, ContactEvent, Message, QueuedContact, timeline_channel
from guanxi.core import validators
from guanxi.customers import services as customer_services
from guanxi.customers.models import ContactKind, Customer, Direction

OPEN = (QueuedContact.State.WAITING, QueuedContact.State.OFFERED, QueuedContact.State.ASSIGNED)
# What a sender's address is among a customer's contact points, per channel (a chat visitor: `Incoming.claimed`).
_SENDER_KIND = {ContactChannel.EMAIL: ContactKind.EMAIL, ContactChannel.SMS: ContactKind.PHONE,
                ContactChannel.WECHAT: ContactKind.WECHAT}
# The longest reply an agent may send: a long SMS is split into parts the customer pays nothing for but
# reads badly past a few; WeChat refuses a customer-service text above 2,048 bytes (600 Chinese characters).
REPLY_LIMITS = {ContactChannel.EMAIL: 20_000, ContactChannel.SMS: 500, ContactChannel.WECHAT: 600,
                ContactChannel.CHAT: 2_000}
# WeChat lets an official account answer a user only within 48 hours of the user's last message.
WECHAT_REPLY_WINDOW = dt.timedelta(hours=48)
# A chat visitor whose widgets all closed this long ago, before an agent answered, has gone (a reload is back sooner).
CHAT_GONE_AFTER = dt.timedelta(seconds=60)


@dataclasses.dataclass(frozen=True)
class Incoming:
    """A message as a channel hands it over, before it is filed."""

    channel: str
    external_id: str
    sender: str
    body: str
    at: dt.datetime
    recipient: str = ""
    subject: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()  # the earlier messages of the conversation, oldest first (e-mail)
    claimed: tuple[tuple[str, str], ...] = ()  # (contact kind, value) the sender says are theirs (web chat)


def receive(incoming: Incoming) -> tuple[Message, bool]:
    """File an inbound message on its conversation's contact, or on a new contact routed to an agent.

    Returns the message and whether it is new (False: the channel sent it before)."""
    held = _held(incoming.channel, incoming.external_id)
    if held is not None:
        return held, False
    try:
        with transaction.atomic():
            message, started = _file(incoming)
    except IntegrityError:  # the same message delivered twice at once: the other delivery filed it
        return _held(incoming.channel, incoming.external_id), False
    if started:  # offered from now: a message that took a while to come must not find its offer lapsed already
        services.dispatch(message.contact)
    return message, True


def _file(incoming: Incoming) -> tuple[Message, bool]:
    contact, customer = _conversation(incoming)
    started = contact is None
    if started:
        if customer is None:
            customer = _customer_of(incoming.channel, incoming.sender)
        contact = services.enqueue_contact(incoming.channel, arrival=incoming.at, customer=customer,
                                           party=incoming.sender[:200], claimed_customer=_claimed(incoming.claimed))
    message = Message.objects.create(
        contact=contact, channel=incoming.channel, direction=Direction.INBOUND, external_id=incoming.external_id,
        in_reply_to=incoming.in_reply_to, sender=incoming.sender, recipient=incoming.recipient,
        subject=incoming.subject, body=incoming.body, at=incoming.at)
    if not started and contact.offered_to_id is not None:  # the agent holding it sees it come in
        services.log_event(contact, ContactEvent.Kind.MESSAGE, incoming.at, contact.offered_to, message=message.pk)
    return message, started


def _conversation(incoming: Incoming) -> tuple[QueuedContact | None, Customer | None]:
    """The open contact the message joins, or (None, the customer of a conversation that was over)."""
    if incoming.channel == ContactChannel.EMAIL:
        named = [ref for ref in (incoming.in_reply_to, *reversed(incoming.references)) if ref]
        if not named:
            return None, None
        earlier = (Message.objects.filter(channel=incoming.channel, external_id__in=named)
                   .select_related("contact__customer").order_by("-at", "-pk").first())
        if earlier is None or not _same_correspondent(earlier.contact, incoming.sender):
            return None, None  # naming the thread is no proof: mail from someone else is their own conversation
        if earlier.contact.state in OPEN:
            return earlier.contact, None
        customer = earlier.contact.customer
        return None, customer if customer is not None and customer.erased_at is None else None
    open_contact = (QueuedContact.objects.filter(channel=incoming.channel, party=incoming.sender[:200], state__in=OPEN)
                    .order_by("-arrival", "-pk").first())
    return open_contact, None


def _same_correspondent(contact: QueuedContact, sender: str) -> bool:
    """The mail is from whom the conversation is with: the address it began from, or another of that customer's."""
    if contact.party.casefold() == sender[:200].casefold():
        return True
    return contact.customer_id is not None and any(
        customer.pk == contact.customer_id for customer in customer_services.customers_reached_at(ContactKind.EMAIL,
                                                                                               sender))


def _claimed(claimed: tuple[tuple[str, str], ...]) -> Customer | None:
    """The one customer every (kind, value) a visitor typed reaches, if there is one."""
    reached = {customer.pk: customer for kind, value in claimed
               for customer in customer_services.customers_reached_at(kind, value)}
    return next(iter(reached.values())) if len(reached) == 1 else None


def _customer_of(channel: str, sender: str) -> Customer | None:
    kind = _SENDER_KIND.get(channel)
    reached = customer_services.customers_reached_at(kind, sender) if kind else []
    if len(reached) == 1:
        return reached[0]
    if not reached and channel == ContactChannel.WECHAT:
        tied = (Message.objects.filter(channel=channel, sender=sender, contact__customer__isnull=False,
                                       contact__customer__erased_at__isnull=True)
                .select_related("contact__customer").order_by("-at", "-pk").first())
        return tied.contact.customer if tied is not None else None
    return None


def _held(channel: str, external_id: str) -> Message | None:
    return Message.objects.select_related("contact").filter(channel=channel, external_id=external_id).first()


def thread(user, contact_id: int) -> tuple[QueuedContact, list[Message]]:
    """A contact the user's agent has (offered or in hand) and its messages, oldest first."""
    contact = _held_by(user, contact_id)
    return contact, list(contact.messages.select_related("agent__user").order_by("at", "pk"))


def reply(user, contact_id: int, body: str, subject: str = "", now: dt.datetime | None = None) -> Message:
    """The agent's answer to the customer on the contact's channel: an e-mail threaded under the customer's
    last message, an SMS / WeChat message through the messaging gateway, or a line in a web chat visitor's widget.

    Only the agent handling the contact may reply (403 for anyone off the roster, 404 for a contact not
    theirs). Answering a customer's own message needs no further consent. The reply is a Message, a line of
    the event log and, for a known customer, an outbound entry of their timeline written as the agent; it is
    recorded only if the mail server or the gateway took it: sent first, outside any transaction (a slow
    mail server must not hold the database's locks, on SQLite every writer's), then recorded in one.
    """
    now = now or timezone.now()
    contact = _held_by(user, contact_id)
    send = _SENDERS.get(contact.channel)
    if send is None:
        raise ValidationError({"contact": _("A %(channel)s contact is not answered by a written reply")
                                          % {"channel": contact.get_channel_display()}})
    if contact.state != QueuedContact.State.ASSIGNED:
        raise ValidationError({"contact": _("Accept the contact before replying")
                                          if contact.state == QueuedContact.State.OFFERED
                                          else _("This contact is over: it can no longer be answered here")})
    body = _checked_body(body, contact.channel)
    subject = _visible("subject", " ".join((subject or "").split())[:200], validators.printable_line)
    answered = contact.messages.filter(direction=Direction.INBOUND).order_by("-at", "-pk").first()
    if answered is None:
        raise ValidationError({"contact": _("The customer has written nothing to reply to")})
    if contact.channel == ContactChannel.WECHAT and now - answered.at > WECHAT_REPLY_WINDOW:
        raise ValidationError({"contact": _("WeChat lets an answer go out only within 48 hours of the customer's "
                                            "last message")})
    agent = contact.offered_to
    message = Message(
        contact=contact, channel=contact.channel, direction=Direction.OUTBOUND, external_id=_new_id(contact),
        in_reply_to=answered.external_id, sender=_our_address(contact.channel, answered),
        recipient=answered.sender, subject=subject or _reply_subject(answered)[:255], body=body, at=now, agent=agent)
    try:
        send(message, answered)
    except Exception as exc:  # the mail server or the provider refused or is down: nothing is recorded
        raise ValidationError({"contact": _("The reply could not be sent: %(error)s") % {"error": exc}}) from exc
    with transaction.atomic():
        message.save()
        if contact.customer_id is not None:
            customer_services.add_interaction(user, contact.customer_id, {
                "channel": timeline_channel(contact.channel), "direction": Direction.OUTBOUND, "occurred_at": now,
                "subject": (message.subject[:200]
                            or _("Reply by %(channel)s") % {"channel": contact.get_channel_display()}),
                "summary": body})
        services.log_event(contact, ContactEvent.Kind.COMMAND, now, agent, command="reply", message=message.pk)
    return message


def _held_by(user, contact_id: int) -> QueuedContact:
    agent = Agent.objects.filter(user=user).first()
    if agent is None:
        raise PermissionDenied(_("Only agents on the contact-center roster answer contacts"))
    contact = (QueuedContact.objects.select_related("offered_to__user", "customer")
               .filter(pk=contact_id, offered_to=agent).first())
    if contact is None:
        raise Http404(_("No such contact among yours"))
    return contact


def _checked_body(body: str, channel: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the reply first")})
    if len(body) > REPLY_LIMITS[channel]:
        raise ValidationError({"body": _("A reply by %(channel)s is at most %(limit)s characters")
                                       % {"channel": ContactChannel(channel).label, "limit": REPLY_LIMITS[channel]}})
    return _visible("body", body, validators.printable_text)


def _visible(field: str, text: str, rule) -> str:
    """`text` if it passes the rule the timeline applies to what people type (no invisible characters)."""
    try:
        rule(text)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
    return text


def _our_address(channel: str, answered: Message) -> str:
    """Who a reply is from: the center's mailbox, or the number or official account the customer wrote to."""
    return settings.DEFAULT_FROM_EMAIL if channel == ContactChannel.EMAIL else answered.recipient


def _reply_subject(answered: Message) -> str:
    if answered.channel != ContactChannel.EMAIL:
        return ""
    subject = " ".join((answered.subject or "").split())
    return subject if subject[:3].lower() == "re:" else f"Re: {subject}".strip()


def _new_id(contact: QueuedContact) -> str:
    """Our own reference of an outbound message: an e-mail's Message-ID (on the sending domain), or the id the
    gateway is given for an SMS or WeChat message."""
    if contact.channel == ContactChannel.EMAIL:
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]  # "Guanxi <service@x.cn>" too
        return f"{uuid.uuid4().hex}@{domain or 'guanxi.local'}"
    return f"guanxi-{uuid.uuid4()}"


def _send_by_gateway(message: Message, answered: Message) -> None:
    messaging().send(message)


# The earlier messages an e-mail reply names in References: enough for any mail client to thread it.
REFERENCES_KEPT = 20


def _send_mail(message: Message, answered: Message) -> None:
    """Through Django's SMTP backend, with the headers that make the customer's mail client file the reply
    under their own mail: In-Reply-To their message, References the conversation so far."""
    earlier = list(message.contact.messages.filter(channel=ContactChannel.EMAIL, at__lte=answered.at)
                   .exclude(pk=message.pk).exclude(external_id=answered.external_id)
                   .order_by("-at", "-pk").values_list("external_id", flat=True)[:REFERENCES_KEPT - 1])
    references = [*reversed(earlier), answered.external_id]
    EmailMessage(
        " ".join(message.subject.split()), message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient],
        headers={"Message-ID": f"<{message.external_id}>", "In-Reply-To": f"<{answered.external_id}>",
                 "References": " ".join(f"<{ref}>" for ref in references)},
    ).send()


def _left_for_the_chat_socket(message: Message, answered: Message) -> None:
    """A web chat reply goes out by being committed: the chat server's processes read the event log line the
    reply writes and hand the message to the visitor's open widgets (chat.py); a visitor away reads it in the
    conversation when they come back. No provider to refuse it."""


_SENDERS = {ContactChannel.EMAIL: _send_mail, ContactChannel.SMS: _send_by_gateway,
            ContactChannel.WECHAT: _send_by_gateway, ContactChannel.CHAT: _left_for_the_chat_socket}


def visitor_presence(contact_ids, kind: str, now: dt.datetime | None = None) -> None:
    """A chat visitor's last widget closed (LEFT), or one opened again (BACK), for their open contacts: the event
    log is how every web process learns it (chat.py), and how the worker's sweep (`abandon_left_chats`) does."""
    now = now or timezone.now()
    for contact in (QueuedContact.objects.select_related("offered_to")
                    .filter(pk__in=list(contact_ids), channel=ContactChannel.CHAT, state__in=OPEN)):
        latest = _presence(contact.pk).values_list("kind", flat=True).first()
        if kind == ContactEvent.Kind.LEFT or latest == ContactEvent.Kind.LEFT:  # BACK only after a LEFT
            # to the agent the chat is with, if any: their desktop is told (push.py) and says so (`visitor_left_at`)
            services.log_event(contact, kind, now, contact.offered_to)


def visitor_left_at(contact: QueuedContact) -> dt.datetime | None:
    """When a chat's visitor closed their last widget, if they have not come back since."""
    if contact.channel != ContactChannel.CHAT:
        return None
    latest = _presence(contact.pk).values_list("kind", "at").first()
    return latest[1] if latest and latest[0] == ContactEvent.Kind.LEFT else None


def _presence(contact) -> QuerySet:
    """The contact's LEFT and BACK lines, latest first (`contact`: an id, or OuterRef in a subquery)."""
    return ContactEvent.objects.filter(contact=contact, kind__in=(ContactEvent.Kind.LEFT, ContactEvent.Kind.BACK)
                                       ).order_by("-at", "-pk")


def abandon_left_chats(now: dt.datetime | None = None) -> list[tuple[QueuedContact, Agent]]:
    """Chats whose visitor left (no widget open anywhere for CHAT_GONE_AFTER) before an agent answered are
    abandoned, as a call is when the caller hangs up: no agent is offered a conversation nobody is in, and the
    figures count it (as abandoned at the sweep, up to two minutes after the visitor went). An agent it was being
    offered to takes the next waiting contact (the offers are returned). A chat already answered stays with its
    agent, who ends it (their desktop says the visitor left: `visitor_left_at`)."""
    now = now or timezone.now()
    presence = _presence(OuterRef("pk"))
    deserted = (QueuedContact.objects.filter(channel=ContactChannel.CHAT,
                                             state__in=(QueuedContact.State.WAITING, QueuedContact.State.OFFERED))
                .annotate(presence=Subquery(presence.values("kind")[:1]), since=Subquery(presence.values("at")[:1]))
                .filter(presence=ContactEvent.Kind.LEFT, since__lte=now - CHAT_GONE_AFTER))
    offers = []
    for contact_id in deserted.values_list("pk", flat=True):
        with transaction.atomic():
            rows = QueuedContact.objects.filter(pk=contact_id)
            contact = services.locked_with_its_agent(rows)
            if contact is None or contact.state not in (QueuedContact.State.WAITING, QueuedContact.State.OFFERED):
                continue  # answered meanwhile, or changing hands: the next sweep looks again
            freed = services.abandon(contact, now)
        if freed is not None:
            offers += services.dispatch_agent(freed, ContactChannel.CHAT, now)
    return offers
