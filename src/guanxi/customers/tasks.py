"""The customers app's background jobs (huey, found by `guanxi worker`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import as_job
from guanxi.customers import activities


@db_periodic_task(crontab(minute="*/5"))
def remind_due_activities() -> int:
    """Every five minutes: each assignee hears once of activities due within the next quarter hour
    (a reminder may come up to five minutes early, never late)."""
    with as_job():
        return activities.remind_due()
