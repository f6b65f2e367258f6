"""The contact center's periodic jobs, run by `guanxi worker` as the system actor.

Every minute: offers nobody answered within the reservation timeout go back to the queue (their agents on
break), agents whose after-call work ran out are available again, web chats whose visitor left before anyone
answered are abandoned, any agent with a free slot is offered the best waiting contact for it (a call is then
put through by the telephony gateway), and the waiting queue is checked against the roster so that no contact
waits unseen for an agent who no longer exists. Every ten minutes: the nonces of signed webhooks too old to be
replayed are forgotten. Every morning: the call lists filled by a rule get the customers it finds that day.
"""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.contact_center import messaging, outbound, services, voice, webhooks
from guanxi.core.jobs import as_job

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def release_expired_offers() -> int:
    with as_job():
        released = services.release_expired_offers()
        services.end_overdue_after_call_work()
        messaging.abandon_left_chats()
        voice.connect_offers(services.offer_to_free_agents())
    if released:
        log.info("released %d expired offers", released)
    return released


@db_periodic_task(crontab(minute="*"))
def report_unroutable() -> int:
    with as_job():
        unroutable = services.report_unroutable()
    if unroutable:
        log.warning("%d contacts no agent can serve: %s", len(unroutable),
                    ", ".join(f"#{c.pk} ({c.unroutable_reason})" for c in unroutable[:10]))
    return len(unroutable)


@db_periodic_task(crontab(minute="*/10"))
def forget_old_webhook_receipts() -> int:
    return webhooks.forget_old_receipts()


@db_periodic_task(crontab(hour="6", minute="30"))
def build_call_lists() -> dict[str, int]:
    """Before the floor opens, so that the day's follow-up calls are waiting when the agents sign in."""
    with as_job():
        counts = outbound.run_rules()
    log.info("call lists: %(added)d customers added, %(skipped)d skipped", counts)
    return counts
