"""The sales app's background job (huey, run by `guanxi worker`): every minute, leads nobody
accepted within the dealer's service level go to the next dealer, and leads accepted but not
called within 24 hours are escalated to head office."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import as_job, system_actor
from guanxi.sales import assignment

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def sweep_lead_service_levels() -> tuple[int, int]:
    with as_job():
        moved, escalated = assignment.sweep(system_actor())
    if moved or escalated:
        log.info("leads: %d reassigned, %d escalated", moved, escalated)
    return moved, escalated
