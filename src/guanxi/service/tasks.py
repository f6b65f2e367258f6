"""The service app's background job (huey, run by `guanxi worker`): every minute, the tickets'
service levels (service.sweep)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import as_job, system_actor
from guanxi.service import sweep

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def sweep_ticket_service_levels() -> dict[str, int]:
    with as_job():
        done = sweep.sweep(system_actor())
    if any(done.values()):
        log.info("tickets: %s", done)
    return done
