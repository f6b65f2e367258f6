"""Live push to the agents' desktops over WebSocket: the screen pop.

Why a poller of the event log rather than a message sent by whoever changes a contact: contacts
change in many processes (the web workers answering the PBX, the job worker releasing offers), and
the embedded default has no Redis, so the in-memory channel layer reaches only the process it lives
in. Every change already writes a line of the event log (models.ContactEvent) in its own
transaction, so the WebSocket process reads the lines after the last it saw, every `POLL_SECONDS`,
in one indexed query whatever the number of agents connected, and sends each to the desktops of
the agents it concerns through its own channel layer. The lines are read once committed: a desktop
is never told of a contact a rollback took back. Ids are handed out when a line is written, not
when it commits, so a line may appear behind one already read: each read looks `LOOK_BACK` ids
behind the newest it has seen and skips those it has sent. With Redis the layer is channels_redis and several
WebSocket processes may run; each polls for the agents connected to it.

What is pushed is small (the contact's id and what happened); the desktop fetches the customer's card
over HTTP, where scope and permissions apply as on every page.
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

from guanxi.contact_center.models import Agent, ContactEvent

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
LOOK_BACK = 200
PUSHED = (ContactEvent.Kind.OFFERED, ContactEvent.Kind.EXPIRED, ContactEvent.Kind.DECLINED,
          ContactEvent.Kind.ANSWERED, ContactEvent.Kind.TRANSFERRED, ContactEvent.Kind.COMPLETED,
          ContactEvent.Kind.ABANDONED, ContactEvent.Kind.DIALLED)
_poller: asyncio.Task | None = None


def group_of(agent_id: int) -> str:
    return f"cc-agent-{agent_id}"


class DesktopConsumer(AsyncJsonWebsocketConsumer):
    """One agent's desktop: told of every step of the contacts offered to or handled by that agent."""

    async def connect(self):
        user = self.scope.get("user")
        agent_id = await _agent_id_of(user) if user is not None and user.is_authenticated else None
        if agent_id is None:
            await self.close(code=4403)  # not signed in, or not on the contact-center roster
            return
        self.group = group_of(agent_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        _start_polling()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def contact_event(self, message):
        await self.send_json(message["event"])


@database_sync_to_async
def _agent_id_of(user) -> int | None:
    return Agent.objects.filter(user=user).values_list("pk", flat=True).first()


def _start_polling() -> None:
    """One poller per process and event loop, started by the first desktop to connect."""
    global _poller
    loop = asyncio.get_running_loop()
    if _poller is None or _poller.done() or _poller.get_loop() is not loop:
        _poller = loop.create_task(_poll())


async def _poll() -> None:
    layer = get_channel_layer()
    sent = set(await database_sync_to_async(_recent_ids)())  # what happened before anyone listened stays unsent
    newest = max(sent, default=0)
    while True:
        try:
            rows = await database_sync_to_async(_events_after)(newest - LOOK_BACK)
        except Exception:  # a database hiccup must not end the push for good
            log.exception("reading the contact event log failed; trying again")
            rows = []
        for row in rows:
            if row["id"] in sent:
                continue
            sent.add(row["id"])
            newest = max(newest, row["id"])
            event = {"id": row["id"], "kind": row["kind"], "contact": row["contact_id"], "at": row["at"].isoformat()}
            for agent_id in {row["agent_id"], (row["data"] or {}).get("to_agent")} - {None}:
                await layer.group_send(group_of(agent_id), {"type": "contact.event", "event": event})
        sent = {pk for pk in sent if pk > newest - LOOK_BACK}
        await asyncio.sleep(POLL_SECONDS)


def _recent_ids() -> list[int]:
    return list(ContactEvent.objects.order_by("-pk").values_list("pk", flat=True)[:LOOK_BACK])


def _events_after(last: int) -> list[dict]:
    return list(ContactEvent.objects.filter(pk__gt=last, kind__in=PUSHED).order_by("pk")
                .values("id", "kind", "contact_id", "agent_id", "at", "data")[:2000])
