"""The analytics app's background jobs (huey, found by `guanxi worker`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from guanxi.core.jobs import as_job


@db_periodic_task(crontab(hour="2", minute="30"))
@lock_task("analytics-scoring")
def score_customers_nightly() -> int:
    """Every night: the warehouse copy catches up and every model scores the base. Sundays copy the
    warehouse whole, which drops rows deleted during the week (merged customers)."""
    from django.utils import timezone

    from guanxi.analytics import scoring  # here, not at the top: every process imports tasks modules

    with as_job():
        runs = scoring.score_all(full_extract=timezone.localdate().isoweekday() == 7)
    return sum(run.state == run.State.PUBLISHED for run in runs)
