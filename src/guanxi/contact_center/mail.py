"""E-mail in: the contact center's SMTP receiver, and what it makes of a mail.

`guanxi manage smtp_receiver` listens for SMTP (aiosmtpd); point the mailbox's MX record, or a
forwarding rule of the company's mail server, at it. Each mail delivered is parsed with the standard
library (`email`, the modern policy) and filed by messaging.receive: threaded onto an open contact, or
routed as a new one. The server refuses a mail above GUANXI_MAIL_MAX_BYTES before reading it (SIZE,
then the data itself) and answers 451 ("try again later") if the mail could not be stored (the
database), so the sending server keeps it and retries instead of it being lost; a mail that cannot be
read at all is bounced (554), since it would fail again on every retry.

Mail comes from anyone, in any shape: a part in an unknown character set, broken base64, a missing
closing boundary. What can be read is kept; a part that cannot is named in a note at the end of the
text, and so are attachments (not kept: what the agent needs is the text, and a mail server is no
file store). A mail without a Message-ID is given one made from its content, so that a second
delivery of it is still recognised.
"""

import email
import email.header
import email.policy
import hashlib
import html
import logging
import re
import unicodedata

from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from guanxi.contact_center import messaging
from guanxi.contact_center.models import ContactChannel, Message
from guanxi.core.audit import Channel, audit_context
from guanxi.core.jobs import system_actor

log = logging.getLogger(__name__)

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[qQbB]\?[^?\s]*\?=")
_BETWEEN_ENCODED_WORDS = re.compile(r"\?=\s+=\?")  # whitespace between two encoded words is no text (RFC 2047)
MAX_PARTS_DEPTH = 20  # nested multiparts read; deeper is no real mail
ID_LENGTH = 255  # Message.external_id
# The standard library's header parser takes time growing with the square of a header's length (a 9 MB
# References header: 315 s): headers are read raw, the message ids found with a regular expression, and only
# this much of a Subject or From parsed. A long thread's References keeps its first id and the latest ones.
MAX_HEADER_CHARS = 8_192
MAX_REFERENCES = 50


def receive_mail(raw: bytes, envelope_from: str = "", recipients: tuple[str, ...] = ()) -> Message:
    """File one delivered mail (its bytes as received); the message, new or already filed."""
    message, _new = messaging.receive(parse(raw, envelope_from, recipients))
    return message


def parse(raw: bytes, envelope_from: str = "", recipients: tuple[str, ...] = ()) -> messaging.Incoming:
    """What the contact center keeps of a mail: who from and to, its references, subject and readable text."""
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    own_id = _ids(_raw_header(parsed, "Message-ID"))
    references = _ids(_raw_header(parsed, "References"))
    if len(references) > MAX_REFERENCES:
        references = references[:1] + references[1 - MAX_REFERENCES:]
    return messaging.Incoming(
        channel=ContactChannel.EMAIL,
        external_id=own_id[0] if own_id else _fingerprint(raw),
        sender=_address(parsed, "From") or _visible(envelope_from)[:254],
        recipient=_address(parsed, "To") or (recipients[0] if recipients else ""),
        subject=_visible(" ".join(_header(parsed, "Subject").split()))[:255],
        body=_text(parsed),
        at=timezone.now(),
        in_reply_to=next(iter(_ids(_raw_header(parsed, "In-Reply-To"))), ""),
        references=tuple(references),
    )


def _raw_header(parsed, name: str) -> str:
    """A header's value as it came (folded lines joined), unparsed; "" if the mail has none."""
    wanted = name.lower()
    value = next((value for key, value in parsed.raw_items() if key.lower() == wanted), "")
    return value.replace("\r", "").replace("\n", "") if isinstance(value, str) else ""


def _parsed_header(parsed, name: str):
    """A header parsed by the modern policy (encoded words decoded, addresses split), from at most
    MAX_HEADER_CHARS of it; None if the mail has none or the parser chokes on it."""
    value = _raw_header(parsed, name)
    if not value:
        return None
    try:
        return email.policy.default.header_factory(name, value[:MAX_HEADER_CHARS])
    except Exception:  # noqa: BLE001 - a header the parser chokes on is a header we do without
        return None


def _header(parsed, name: str) -> str:
    value = _parsed_header(parsed, name)
    return "" if value is None else str(value)


def _address(parsed, name: str) -> str:
    """The first address of an address header, without its display name."""
    try:
        addresses = getattr(_parsed_header(parsed, name), "addresses", ())
    except Exception:  # noqa: BLE001 - as in _parsed_header
        return ""
    found = next((address.addr_spec for address in addresses if address.username and address.domain), "")
    return _visible(found)[:254]


def _ids(value: str) -> list[str]:
    """The message ids a header names (`<id>` each), as held in Message.external_id. A mailer may have
    folded a long id into encoded words (Python's own does): those are decoded first."""
    if "=?" in value:  # word by word: the standard library's decode_header is quadratic too (137 s for 3 MB)
        value = _ENCODED_WORD.sub(_decoded_word, _BETWEEN_ENCODED_WORDS.sub("?==?", value))
    return [_held_form(found) for found in _MESSAGE_ID.findall(value)]


def _decoded_word(word: re.Match) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(word.group())))
    except Exception:  # noqa: BLE001 - as in _parsed_header: kept as it came
        return word.group()


def _held_form(message_id: str) -> str:
    """An id as long as the column holds, or a digest of a longer one (the same for every mail naming it)."""
    if len(message_id) <= ID_LENGTH:
        return message_id
    return f"sha256-{hashlib.sha256(message_id.encode()).hexdigest()}"


def _fingerprint(raw: bytes) -> str:
    return f"sha256-{hashlib.sha256(raw).hexdigest()}@no-message-id"


def _text(parsed) -> str:
    """The mail's readable text (the plain version of each alternative, else its HTML as text), then a note of
    the parts that could not be read and of the attachments left out."""
    texts, unreadable, attachments = [], [], []
    _read(parsed, texts, unreadable, attachments, depth=0)
    notes = []
    if unreadable:
        notes.append(_("[Parts that could not be read: %(parts)s]") % {"parts": ", ".join(unreadable)})
    if attachments:
        notes.append(_("[Attachments not kept: %(names)s]") % {"names": ", ".join(attachments)})
    if not any(text.strip() for text in texts) and not notes:
        notes.append(_("[The mail has no text]"))
    return "\n\n".join([text.strip() for text in texts if text.strip()] + notes)


def _read(part, texts: list, unreadable: list, attachments: list, depth: int) -> None:
    if part.is_multipart():
        children = part.get_payload()
        if depth >= MAX_PARTS_DEPTH or not isinstance(children, list):
            unreadable.append(part.get_content_type())
            return
        if part.get_content_subtype() == "alternative" and children:
            children = [_preferred(children)]
        for child in children:
            _read(child, texts, unreadable, attachments, depth + 1)
        return
    if part.get_content_maintype() != "text" or part.get_content_disposition() == "attachment":
        attachments.append(_visible(part.get_filename() or part.get_content_type()))
        return
    text = _content(part)
    if text is None:
        unreadable.append(part.get_content_type())
    elif text.strip():
        texts.append(_visible(html.unescape(strip_tags(text)) if part.get_content_subtype() == "html" else text,
                              keep="\n\t"))


def _preferred(alternatives: list):
    """The version of an alternative to read: plain text, else HTML, else the last (the richest)."""
    for subtype in ("plain", "html"):
        for part in alternatives:
            if part.get_content_type() == f"text/{subtype}":
                return part
    return alternatives[-1]


def _content(part) -> str | None:
    """A text part's text: as declared; in an unknown or wrong character set, as UTF-8 with what does not
    decode replaced; None if its transfer encoding is broken beyond reading."""
    try:
        text = part.get_content()
    except Exception:  # noqa: BLE001 - an unknown charset (LookupError) and whatever else the stdlib trips on
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) and payload else None
    if not text.strip() and part.defects:
        return None
    return text


def _visible(text: str, keep: str = "") -> str:
    """Without the invisible control and direction characters a mail may carry (core.validators refuses them in
    what people type): a subject or a name reads as what it is."""
    return "".join(ch for ch in text if ch in keep or unicodedata.category(ch) not in ("Cc", "Cf"))


class Receiver:
    """The aiosmtpd handler: each mail filed in a worker thread (the database is synchronous), with the
    connection handling of a web request around it, and audited as the system's through the API channel."""

    async def handle_DATA(self, server, session, envelope):
        try:
            await sync_to_async(_deliver)(envelope.content, envelope.mail_from, tuple(envelope.rcpt_tos))
        except DatabaseError:
            log.exception("a mail could not be stored (the sending server will try again)")
            return "451 4.3.0 The mail could not be stored; try again later"
        except Exception:  # noqa: BLE001 - the same mail would fail again: bounced, not retried for days
            log.exception("a mail could not be read (bounced to its sender)")
            return "554 5.6.0 The mail could not be read"
        return "250 2.0.0 OK"


def _deliver(raw: bytes, envelope_from: str, recipients: tuple[str, ...]) -> None:
    close_old_connections()
    try:
        with audit_context(actor=system_actor(), channel=Channel.API):
            receive_mail(raw, envelope_from, recipients)
    finally:
        close_old_connections()


def controller(host: str, port: int):
    """The SMTP server on host:port (not started), refusing mail above GUANXI_MAIL_MAX_BYTES."""
    return Controller(Receiver(), hostname=host, port=port, data_size_limit=settings.GUANXI_MAIL_MAX_BYTES)
