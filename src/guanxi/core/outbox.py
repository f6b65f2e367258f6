"""Domain events: written with the change (`emit`), handed to consumers by the worker (`dispatch`).

Delivery is at least once and the effect once: each event is handled in its own transaction,
each consumer in a savepoint together with its receipt, so a worker killed mid-batch leaves
every event either handled (receipts committed) or untouched (rolled back), and the next run
skips the consumers that already have a receipt. A consumer that fails is retried on later runs
(its error kept on the event), later each time (retry_delay), until MAX_ATTEMPTS; then the event
stays unhandled for an operator to look at in the admin.
"""

import logging
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from guanxi.core.audit import current_actor, current_channel
from guanxi.core.models import DomainEvent, EventReceipt
from guanxi.core.registry import registry

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BATCH = 100


def emit(name: str, obj=None, payload: dict | None = None, actor=None) -> DomainEvent:
    """Records a domain event in the caller's transaction; the worker is woken once it commits.

    The payload carries ids and codes, never personal data: events may leave the system (webhooks).
    The actor defaults to the one the change is audited under.
    """
    actor = actor if actor is not None else current_actor()
    event = DomainEvent.objects.create(
        name=name,
        object_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        payload=payload or {},
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        channel=current_channel(),
    )
    transaction.on_commit(_wake_worker)
    return event


def emit_many(events: list[tuple[str, object, dict]], actor=None) -> None:
    """`emit` for each (name, object, payload), the rows in one INSERT: all but the last made as emit
    makes them, the last through emit itself, which wakes the worker once the transaction commits."""
    if not events:
        return
    who = actor if actor is not None else current_actor()
    who = who if who is not None and getattr(who, "is_authenticated", False) else None
    channel = current_channel()
    DomainEvent.objects.bulk_create(
        DomainEvent(name=name, object_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk),
                    payload=payload, actor=who, channel=channel) for name, obj, payload in events[:-1])
    name, obj, payload = events[-1]
    emit(name, obj, payload, actor=actor)


def _wake_worker() -> None:
    from guanxi.core.tasks import dispatch_outbox

    dispatch_outbox()


def pending(now=None):
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now or timezone.now())
    return DomainEvent.objects.filter(due, handled_at__isnull=True, attempts__lt=MAX_ATTEMPTS).order_by("pk")


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most an hour: ten attempts span about eight hours, so a receiver down
    for a while is retried after it is back, not ten times in the first seconds."""
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


def dispatch(limit: int = 10_000, now=None) -> int:
    """Hands pending events to their consumers, oldest first, each event at most once a run (a
    failing one waits for the next run); returns how many were handled."""
    handled = tried = 0
    last_pk = 0
    while tried < limit:
        batch = list(pending(now).filter(pk__gt=last_pk).values_list("pk", flat=True)[: min(BATCH, limit - tried)])
        if not batch:
            break
        handled += sum(_handle(event_id) for event_id in batch)
        tried += len(batch)
        last_pk = batch[-1]
    return handled


def _handle(event_id: int) -> int:
    with transaction.atomic():
        locked = DomainEvent.objects.filter(pk=event_id, handled_at__isnull=True)
        if connection.features.has_select_for_update_skip_locked:
            locked = locked.select_for_update(skip_locked=True)  # SQLite: the write lock serialises workers
        event = locked.first()
        if event is None:
            return 0
        done = set(event.receipts.values_list("consumer", flat=True))
        errors = []
        for consumer in registry.event_consumers:
            if consumer.name in done or not consumer.wants(event.name):
                continue
            try:
                with transaction.atomic():
                    consumer.handle(event)
                    EventReceipt.objects.create(event=event, consumer=consumer.name)
            except Exception as exc:  # one consumer's failure must not hold back the others
                log.exception("event %s: consumer %s failed", event.pk, consumer.name)
                errors.append(f"{consumer.name}: {exc!r}")
        if errors:
            event.attempts += 1
            event.next_attempt_at = timezone.now() + retry_delay(event.attempts)
            event.last_error = "\n".join(errors)[:2000]
        else:
            event.handled_at = timezone.now()
        event.save(update_fields=["attempts", "next_attempt_at", "last_error", "handled_at"])
        return 0 if errors else 1
