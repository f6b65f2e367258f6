"""The contact center's cards on the home page: an agent's own queue, a supervisor's live queue.

The cards show counts, channels and tiers, never who called (a queued contact's customer is not
read here), so they need no customer scope; only the roles that work the queue see them.
"""

from django.db.models import Count, Min
from django.utils import timezone

from guanxi.contact_center.models import Agent, QueuedContact

MINE_SHOWN = 5


def _waited(since) -> int:
    return max(0, int((timezone.now() - since).total_seconds())) if since else 0


def my_queue_widget(user) -> dict:
    """What an agent has on their plate: the contacts offered to or held by them, oldest first,
    and how many wait for anyone."""
    mine = QueuedContact.objects.filter(offered_to__user=user, state__in=QueuedContact.ACTIVE)
    return {
        "agent": Agent.objects.filter(user=user).first(),
        "mine": [(contact, _waited(contact.arrival)) for contact in mine.order_by("arrival", "pk")[:MINE_SHOWN]],
        "mine_count": mine.count(),
        "waiting": QueuedContact.objects.filter(state=QueuedContact.State.WAITING).count(),
    }


def live_queue_widget(user) -> dict:
    """A supervisor's glance: contacts waiting per channel with the longest wait, agents per state."""
    queues = (QueuedContact.objects.filter(state=QueuedContact.State.WAITING).order_by().values("channel")
              .annotate(n=Count("pk"), oldest=Min("arrival")).order_by("channel"))
    agents = dict(Agent.objects.order_by().values_list("state").annotate(n=Count("pk")))
    return {
        "queues": [{"channel": row["channel"], "count": row["n"], "waited": _waited(row["oldest"])} for row in queues],
        "agents": [(label, agents.get(state, 0)) for state, label in Agent.State.choices],
    }
