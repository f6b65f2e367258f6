"""What customers reach without signing in (the help page, the IVR and web self-service's search):
published articles only, through knowledge.services.search without a user. Searches are limited
per address, as the other public endpoints are, so the page cannot be used to read the knowledge
base out by brute force or to load the database."""

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from guanxi.core.limits import RateLimited

SEARCHES_PER_MINUTE = 30
VOTED = "knowledge_voted"  # the session key holding the articles the reader voted on


def _key(address: str) -> str:
    """The address only as a keyed hash: enough to count, nothing to read back."""
    digest = hmac.new(settings.GUANXI_PII_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]
    return f"guanxi:knowledge:public:{digest}"


def throttle(address: str) -> None:
    """Counts a public search from the address; refuses past SEARCHES_PER_MINUTE in a minute."""
    key = _key(address or "")
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=60)
        count = 1
    if count > SEARCHES_PER_MINUTE:
        raise RateLimited(_("Too many searches in a minute: please wait a moment and try again."))


def voted(session) -> set:
    return set(session.get(VOTED, []))


def remember_vote(session, already: set) -> None:
    session[VOTED] = sorted(already)[-200:]  # bounded: a session holds at most 200 votes
