"""Web chat: the customer's widget (static/contact_center/chat-widget.js) on any site, over a WebSocket to here.

A visitor has no account: the widget asks a name and, if they like, a phone number or an e-mail address, and
gets back a signed token (django.core.signing) holding them and a random visitor id. The browser keeps it, so a
reload, or another tab, continues the same conversation; nothing is stored before the visitor writes. Each line
they write is a message of the chat channel (messaging.receive): the first starts a contact routed like a call,
on the customer the phone or e-mail names (an unknown party otherwise), the next ones join it while it is open.

The agent answers from the desktop's conversation panel (messaging.reply). The reply, the agent's accepting and
completing are lines of the contact event log; this process reads them with the desktops' poller (push.follow)
and hands them to the visitor's open widgets, so a reply reaches the visitor whichever web worker wrote it, with
or without Redis. Once the agent completes the contact the widget says the conversation is over; the visitor's
next line starts a new one. When a visitor's last widget here closes, their open contact is marked "left" in
that log; a process where another of their widgets is open answers "back", and so does a reload. A chat left
for a minute before anyone answered is abandoned by the worker (messaging.abandon_left_chats).

Pages of other sites open this socket, so it is not behind the desktop's same-host check: the Origin must be
one of GUANXI_CHAT_ORIGINS or one of the CRM's own hosts (ALLOWED_HOSTS). Nobody signs in, so a visitor is
held to `LINES` lines per `PER_SECONDS` seconds, and so is each client address (one browser cannot get round
it with new tokens); a line over the limit is refused politely and not filed, as is one over `LINE_CHARS`.
A frame larger than `FRAME_BYTES` closes the socket.
"""

import collections
import dataclasses
import logging
import secrets
import time
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from guanxi.contact_center import messaging, push
from guanxi.contact_center.models import ContactChannel, ContactEvent, Message, QueuedContact
from guanxi.core import validators
from guanxi.core.audit import Channel, audit_context
from guanxi.core.jobs import system_actor
from guanxi.customers.models import ContactKind, Direction

log = logging.getLogger(__name__)

LINES, PER_SECONDS = 10, 10.0
LINE_CHARS = 2_000
FRAME_BYTES = 16_384  # a line of LINE_CHARS Chinese characters as JSON-escaped UTF-8 fits, with room to spare
TOKEN_DAYS = 30
# What a visitor types about themselves; together with the visitor id they stay within QueuedContact.party.
NAME_CHARS, PHONE_CHARS, EMAIL_CHARS = 50, 30, 80
HISTORY = 200  # messages of the open conversation a widget is shown when it (re)connects
TOO_BIG = 1009  # WebSocket close code: message too big
SALT = "guanxi.contact_center.chat"


@dataclasses.dataclass(frozen=True)
class Visitor:
    """Who is writing, as their token says."""

    id: str
    name: str
    phone: str = ""
    email: str = ""

    @property
    def sender(self) -> str:
        """How the visitor stands in messages and as the contact's party: what the agent reads, and, with the
        visitor id, what keeps one visitor's lines on one contact."""
        return " · ".join(part for part in (self.name, self.phone or self.email, f"#{self.id}") if part)

    @property
    def claimed(self) -> tuple[tuple[str, str], ...]:
        return tuple((kind, value) for kind, value in ((ContactKind.PHONE, self.phone), (ContactKind.EMAIL,
                                                                                         self.email)) if value)

    def token(self) -> str:
        return signing.dumps(dataclasses.asdict(self), salt=SALT, compress=True)


def visitor_of(token: str) -> Visitor | None:
    """The visitor a token names; None for a token forged, altered or older than TOKEN_DAYS."""
    try:
        fields = signing.loads(token, salt=SALT, max_age=TOKEN_DAYS * 86400)
        return Visitor(**fields)
    except (signing.BadSignature, TypeError, ValueError):
        return None


def new_visitor(name, phone="", email="") -> Visitor:
    """A visitor from what they typed into the widget; a ValidationError names the field at fault."""
    name, phone, email = (" ".join(str(value or "").split()) for value in (name, phone, email))
    if not name:
        raise ValidationError({"name": "required"})
    for field, value, chars in (("name", name, NAME_CHARS), ("phone", phone, PHONE_CHARS),
                                ("email", email, EMAIL_CHARS)):
        if len(value) > chars:
            raise ValidationError({field: "too_long"})
        try:
            validators.printable_line(value)
        except ValidationError:
            raise ValidationError({field: "invalid"}) from None
    if phone and not any(char.isdigit() for char in phone):
        raise ValidationError({"phone": "invalid"})
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": "invalid"}) from None
    return Visitor(id=secrets.token_hex(6), name=name, phone=phone, email=email)


class Window:
    """At most `limit` events per `seconds` for each key (a visitor, a client address), in this process."""

    def __init__(self, limit: int, seconds: float):
        self.limit, self.seconds = limit, seconds
        self._seen: dict[str, collections.deque] = {}

    def allows(self, *keys: str, now: float | None = None) -> bool:
        """Whether one more event is within the limit for every key; if so it is counted for each."""
        now = time.monotonic() if now is None else now
        seen = [self._seen.setdefault(key, collections.deque()) for key in keys]
        for times in seen:
            while times and now - times[0] >= self.seconds:
                times.popleft()
        if any(len(times) >= self.limit for times in seen):
            return False
        for times in seen:
            times.append(now)
        if len(self._seen) > 10_000:  # keys of clients long gone
            self._seen = {key: times for key, times in self._seen.items() if times and now - times[-1] < self.seconds}
        return True


_window = Window(LINES, PER_SECONDS)
_sockets: dict[str, set["ChatConsumer"]] = {}  # visitor id -> this process's open widgets of that visitor
_contacts: dict[int, str] = {}  # open contact id -> its visitor, for the visitors connected here


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """One visitor's widget. Frames in: hello (the token kept, if any), start (name, phone, email), line (text).
    Frames out: session (the token to keep), who (ask the visitor who they are), message, joined, ended,
    refused (why: a code the widget words in the page's language)."""

    visitor: Visitor | None = None

    async def connect(self):
        await self.accept()

    async def disconnect(self, code):
        await self._leave()

    async def _leave(self) -> None:
        """This socket's visitor leaves it; if it was their last here, their open contacts are marked left (the
        other web processes answer for the visitor's widgets open there)."""
        if self.visitor is None:
            return
        mine = _sockets.get(self.visitor.id, set())
        mine.discard(self)
        if not mine:
            _sockets.pop(self.visitor.id, None)
            gone = [pk for pk, visitor_id in _contacts.items() if visitor_id == self.visitor.id]
            for contact_id in gone:
                del _contacts[contact_id]
            if gone:
                await database_sync_to_async(messaging.visitor_presence)(gone, ContactEvent.Kind.LEFT)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if len((text_data or "").encode()) > FRAME_BYTES or bytes_data is not None:
            await self.close(code=TOO_BIG)
            return
        await super().receive(text_data=text_data, **kwargs)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "hello":
            await self._resume(content.get("token"))
        elif kind == "start":
            await self._start(content)
        elif kind == "line":
            await self._line(content.get("text"))
        else:
            await self.send_json({"type": "refused", "reason": "unknown"})

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None

    async def _resume(self, token) -> None:
        visitor = visitor_of(token) if isinstance(token, str) else None
        if visitor is None:
            await self.send_json({"type": "who"})
            return
        await self._join(visitor)
        contact_id, history = await database_sync_to_async(_open_conversation)(visitor)
        if contact_id is not None:
            _contacts[contact_id] = visitor.id
        for message in history:
            await self.send_json(message)

    async def _start(self, content: dict) -> None:
        try:
            visitor = new_visitor(content.get("name"), content.get("phone"), content.get("email"))
        except ValidationError as exc:
            field, (reason, *_rest) = next(iter(exc.message_dict.items()))
            await self.send_json({"type": "refused", "reason": reason, "field": field})
            return
        await self._join(visitor)

    async def _join(self, visitor: Visitor) -> None:
        await self._leave()  # one socket, one visitor: a new session leaves the old one
        self.visitor = visitor
        _sockets.setdefault(visitor.id, set()).add(self)
        push.start_polling()
        await self.send_json({"type": "session", "token": visitor.token(), "name": visitor.name})

    async def _line(self, text) -> None:
        text = text.strip() if isinstance(text, str) else ""
        reason = ("no_session" if self.visitor is None else "empty" if not text
                  else "too_long" if len(text) > LINE_CHARS else None)
        if reason is None:
            try:
                validators.printable_text(text)
            except ValidationError:
                reason = "invalid"
        if reason is None and not _window.allows(f"visitor:{self.visitor.id}", f"address:{self._address()}"):
            reason = "flood"
        if reason is not None:
            await self.send_json({"type": "refused", "reason": reason})
            return
        message = await database_sync_to_async(_file)(self.visitor, text)
        _contacts[message.contact_id] = self.visitor.id
        await _tell(self.visitor.id, _frame(message))

    def _address(self) -> str:
        """The client's address, as the sign-in count takes it (settings.GUANXI_TRUSTED_PROXIES)."""
        proxies = settings.GUANXI_TRUSTED_PROXIES
        if proxies:
            forwarded = dict(self.scope.get("headers", [])).get(b"x-forwarded-for", b"").decode("latin1")
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            if len(hops) >= proxies:
                return hops[-proxies]
        return (self.scope.get("client") or ("unknown",))[0]


def _file(visitor: Visitor, text: str) -> Message:
    with audit_context(actor=system_actor(), channel=Channel.API):
        message, _new = messaging.receive(messaging.Incoming(
            channel=ContactChannel.CHAT, external_id=f"chat-{uuid.uuid4()}", sender=visitor.sender, body=text,
            at=timezone.now(), claimed=visitor.claimed))
    return message


def _open_conversation(visitor: Visitor) -> tuple[int | None, list[dict]]:
    """The visitor's open contact and its messages so far, oldest first, as the widget shows them."""
    contact = (QueuedContact.objects.filter(channel=ContactChannel.CHAT, party=visitor.sender[:200],
                                            state__in=messaging.OPEN).order_by("-arrival", "-pk").first())
    if contact is None:
        return None, []
    messaging.visitor_presence([contact.pk], ContactEvent.Kind.BACK)
    messages = list(contact.messages.order_by("-at", "-pk")[:HISTORY])[::-1]
    frames = [_frame(message) for message in messages]
    if contact.state == QueuedContact.State.ASSIGNED:
        frames.append({"type": "joined", "contact": contact.pk})
    return contact.pk, frames


def _frame(message: Message) -> dict:
    return {"type": "message", "id": message.pk, "contact": message.contact_id, "text": message.body,
            "from": "visitor" if message.direction == Direction.INBOUND else "agent", "at": message.at.isoformat()}


async def _tell(visitor_id: str, frame: dict) -> None:
    for socket in list(_sockets.get(visitor_id, ())):
        await socket.send_json(frame)


async def _read(row: dict) -> None:
    """A line of the event log (push.follow): a reply, an answer or the end of a contact of a visitor here."""
    visitor_id = _contacts.get(row["contact_id"])
    if visitor_id is None:
        return
    kind, data = row["kind"], row["data"] or {}
    if kind == ContactEvent.Kind.LEFT:  # their widget closed in another process, but one is open here
        await database_sync_to_async(messaging.visitor_presence)([row["contact_id"]], ContactEvent.Kind.BACK)
    elif kind == ContactEvent.Kind.COMMAND and data.get("command") == "reply":
        message = await database_sync_to_async(Message.objects.filter(pk=data.get("message")).first)()
        if message is not None:
            await _tell(visitor_id, _frame(message))
    elif kind == ContactEvent.Kind.ANSWERED:
        await _tell(visitor_id, {"type": "joined", "contact": row["contact_id"]})
    elif kind in (ContactEvent.Kind.COMPLETED, ContactEvent.Kind.ABANDONED):
        _contacts.pop(row["contact_id"], None)
        await _tell(visitor_id, {"type": "ended", "contact": row["contact_id"]})


push.follow(lambda: bool(_sockets), _read)


class _ChatOrigins:
    """The widget's pages: GUANXI_CHAT_ORIGINS and the CRM's own hosts, read at each connection (channels'
    OriginValidator decides, with its rules for schemes, ports and leading-dot subdomains)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        allowed = [*settings.GUANXI_CHAT_ORIGINS, *settings.ALLOWED_HOSTS]
        return await OriginValidator(self.application, allowed)(scope, receive, send)


def application():
    """The ASGI app of the ws/chat/ route (asgi.py)."""
    return _ChatOrigins(ChatConsumer.as_asgi())
