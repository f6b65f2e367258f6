"""Signed webhooks: how a PBX, an SMS gateway or another channel proves a call into Guanxi is its own and new.

The caller signs each request with a secret it shares with Guanxi: HMAC-SHA256 over
"<timestamp>.<nonce>.<body>", sent in three headers (`X-Guanxi-Timestamp`, Unix seconds;
`X-Guanxi-Nonce`, any string unique to the request; `X-Guanxi-Signature`, the hex digest). A
request is refused when a header is missing, its signature is wrong, its timestamp is more than
`WINDOW_SECONDS` away from the server's clock, or its nonce was taken before: a recorded request
cannot be played again, now or later. The nonces are rows of the database (one unique row per
source and nonce), so a replay sent to another server process is refused too; rows older than the
window are of no use any more and the worker deletes them.

Each source has its own secret: `GUANXI_<SOURCE>_WEBHOOK_SECRET` (e.g. GUANXI_CTI_WEBHOOK_SECRET) if
set, else one derived from the installation's SECRET_KEY, which `guanxi manage webhook_secret <source>`
prints for the provider's configuration. docs/contact-center-channels.md shows the signature with curl.
"""

import datetime as dt
import hashlib
import hmac
import os
import re
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from guanxi.contact_center.models import WebhookReceipt

WINDOW_SECONDS = 300
SOURCES = ("cti", "sms", "wechat")


class RefusedWebhook(Exception):
    """Why a webhook call was not taken; the API answers 401 with this text."""


def secret_for(source: str) -> str:
    if source not in SOURCES:
        raise ValueError(f"unknown webhook source {source!r} (known: {', '.join(SOURCES)})")
    configured = os.environ.get(f"GUANXI_{source.upper()}_WEBHOOK_SECRET", "")
    return configured or salted_hmac(f"guanxi.webhook.{source}", "webhook", secret=settings.SECRET_KEY,
                                     algorithm="sha256").hexdigest()


def signature(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + nonce.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


_HEX_DIGEST = re.compile(r"^[0-9a-fA-F]{64}$")
_UNIX_SECONDS = re.compile(r"^[0-9]{1,12}$")


def verify(source: str, request) -> None:
    """Raises RefusedWebhook unless the request is signed with the source's secret and fresh."""
    timestamp = request.headers.get("X-Guanxi-Timestamp", "")
    nonce = request.headers.get("X-Guanxi-Nonce", "")
    given = request.headers.get("X-Guanxi-Signature", "")
    if not (timestamp and nonce and given):
        raise RefusedWebhook(_("Unsigned request: X-Guanxi-Timestamp, X-Guanxi-Nonce and X-Guanxi-Signature "
                               "are required"))
    if len(nonce) > 64:
        raise RefusedWebhook(_("The nonce is longer than 64 characters"))
    if not _HEX_DIGEST.match(given) or not hmac.compare_digest(
            given.lower(), signature(secret_for(source), timestamp, nonce, request.body)):
        raise RefusedWebhook(_("Bad signature"))
    if not _UNIX_SECONDS.match(timestamp):
        raise RefusedWebhook(_("The timestamp must be Unix seconds"))
    if abs(time.time() - int(timestamp)) > WINDOW_SECONDS:
        raise RefusedWebhook(_("The timestamp is more than %(seconds)s seconds from the server's clock")
                             % {"seconds": WINDOW_SECONDS})


def spend_nonce(source: str, request) -> None:
    """Takes the verified request's nonce for good, inside the caller's transaction; RefusedWebhook if it was
    taken before (a replay)."""
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(source=source, nonce=request.headers["X-Guanxi-Nonce"],
                                          received_at=timezone.now())
    except IntegrityError:
        raise RefusedWebhook(_("Replayed request: this nonce was used before")) from None


def forget_old_receipts(now: dt.datetime | None = None) -> int:
    """Nonces older than twice the window can no longer come with an accepted timestamp."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=2 * WINDOW_SECONDS)
    return WebhookReceipt.objects.filter(received_at__lt=cutoff).delete()[0]
