"""Live push to the agents' desktops over WebSocket: the screen pop.

Why a poller of the event log rather than a message sent by whoever changes a contact: contacts
change in many processes (the web workers answering the PBX, the job worker releasing offers), and
the embedded default has no Redis, so no message bus reaches every process. Every change already
writes a line of the event log (models.ContactEvent) in its own transaction, so each WebSocket
process reads the lines after the last it saw, every `POLL_SECONDS`, in one indexed query whatever
the number of agents connected, and hands each to the desktops connected to that process of the
agents it concerns. The channel layer is not used: each process serves its own sockets, so several
WebSocket processes (behind a proxy) never send one line twice, with or without Redis.

The lines are read once committed: a desktop is never told of a contact a rollback took back. Ids
are handed out when a line is written, not when it commits, so a line may appear after a higher
one was read: the ids skipped over are remembered as gaps and read again until they appear, for
up to `GAP_SECONDS` (a rolled-back line never does). The poller stops when the last desktop of the
process disconnects and starts again with the next one.

What is pushed is small (the contact's id and what happened); the desktop fetches the customer's card
over HTTP, where scope and permissions apply as on every page.

Other sockets of the process that follow contacts (chat.py: the web chat visitors') read the same lines from
the same poller (`follow`), so a process reads the log once whatever it serves.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from guanxi.contact_center.models import Agent, ContactEvent
from guanxi.core.signin import SECOND_FACTOR_DUE

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
GAP_SECONDS = 10.0
PUSHED = frozenset({ContactEvent.Kind.OFFERED, ContactEvent.Kind.EXPIRED, ContactEvent.Kind.DECLINED,
                    ContactEvent.Kind.ANSWERED, ContactEvent.Kind.TRANSFERRED, ContactEvent.Kind.COMPLETED,
                    ContactEvent.Kind.ABANDONED, ContactEvent.Kind.DIALLED, ContactEvent.Kind.MESSAGE,
                    ContactEvent.Kind.LEFT, ContactEvent.Kind.BACK})
REFUSED = 4403  # the close code of a socket refused: not signed in (fully), or not on the roster

_desktops: dict[int, set["DesktopConsumer"]] = {}  # agent id -> this process's open desktops of that agent
_poller: asyncio.Task | None = None
# The other readers of the log in this process: whether each has a socket open, and what it does with a line.
_followers: list[tuple[Callable[[], bool], Callable[[dict], Awaitable[None]]]] = []


class DesktopConsumer(AsyncJsonWebsocketConsumer):
    """One agent's desktop: told of every step of the contacts offered to or handled by that agent."""

    async def connect(self):
        user = self.scope.get("user")
        session = self.scope.get("session")
        signed_in = (user is not None and user.is_authenticated
                     and not (session is not None and session.get(SECOND_FACTOR_DUE)))
        self.agent_id = await _agent_id_of(user) if signed_in else None
        if self.agent_id is None:
            await self.close(code=REFUSED)
            return
        await self.accept()
        _desktops.setdefault(self.agent_id, set()).add(self)
        start_polling()

    async def disconnect(self, code):
        desktops = _desktops.get(getattr(self, "agent_id", None), set())
        desktops.discard(self)
        if not desktops:
            _desktops.pop(getattr(self, "agent_id", None), None)


@database_sync_to_async
def _agent_id_of(user) -> int | None:
    return Agent.objects.filter(user=user).values_list("pk", flat=True).first()


def follow(listening: Callable[[], bool], read: Callable[[dict], Awaitable[None]]) -> None:
    """Have `read` given every line of the log this process's poller reads (each once, committed, in order of
    discovery), for as long as `listening()` says a socket wants them; `start_polling` when one connects."""
    _followers.append((listening, read))


def _listening() -> bool:
    return bool(_desktops) or any(listening() for listening, _read in _followers)


def start_polling() -> None:
    """One poller per process and event loop, started by the first socket to connect."""
    global _poller
    loop = asyncio.get_running_loop()
    if _poller is None or _poller.done() or _poller.get_loop() is not loop:
        _poller = loop.create_task(_poll())


async def _poll() -> None:
    newest = None
    gaps: dict[int, float] = {}  # ids skipped over -> since when
    while _listening():
        try:
            if newest is None:  # what happened before anyone listened stays unsent
                newest = await database_sync_to_async(_newest_id)()
            rows = await database_sync_to_async(_events_after)(min(gaps, default=newest + 1) - 1)
            now = time.monotonic()
            for row in rows:
                if row["id"] <= newest and gaps.pop(row["id"], None) is None:
                    continue  # sent before
                if row["id"] > newest:
                    gaps.update(dict.fromkeys(range(newest + 1, row["id"]), now))
                    newest = row["id"]
                if row["kind"] in PUSHED:
                    await _push(row)
                for _listening_too, read in _followers:
                    try:
                        await read(row)
                    except Exception:  # one reader's failure must cost the desktops and the others nothing
                        log.exception("a follower of the contact event log failed on line %s", row["id"])
            gaps = {pk: since for pk, since in gaps.items() if now - since < GAP_SECONDS}
        except Exception:  # a database or socket hiccup must not end the push for good
            log.exception("pushing the contact event log to the desktops failed; trying again")
        await asyncio.sleep(POLL_SECONDS)


async def _push(row: dict) -> None:
    event = {"id": row["id"], "kind": row["kind"], "contact": row["contact_id"], "at": row["at"].isoformat()}
    for agent_id in {row["agent_id"], (row["data"] or {}).get("to_agent")} - {None}:
        for desktop in list(_desktops.get(agent_id, ())):
            await desktop.send_json(event)


def _newest_id() -> int:
    return ContactEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _events_after(last: int) -> list[dict]:
    return list(ContactEvent.objects.filter(pk__gt=last).order_by("pk")
                .values("id", "kind", "contact_id", "agent_id", "at", "data")[:2000])
