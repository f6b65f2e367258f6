"""The analytics app's background jobs (huey, found by `guanxi worker`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from guanxi.core.jobs import as_job


@db_periodic_task(crontab(hour="2", minute="30"))
@lock_task("analytics-scoring")
def score_customers_nightly() -> int:
    """Every night: the warehouse copy catches up, every model scores the base, and the owners the
    repurchase model finds likeliest to buy become leads for their dealers (from the last published
    run when tonight's was refused: those owners are no less likely for it). Sundays copy the
    warehouse whole, which drops rows deleted during the week (merged customers)."""
    from django.utils import timezone

    # here, not at the top: every process imports tasks modules
    from guanxi.analytics import repurchase, scoring

    with as_job():
        runs = scoring.score_all(full_extract=timezone.localdate().isoweekday() == 7)
    repurchase.create_repurchase_leads()
    return sum(run.state == run.State.PUBLISHED for run in runs)


@db_periodic_task(crontab(hour="4", minute="45"))
@lock_task("analytics-score-history")
def drop_old_scores_nightly() -> int:
    """Every night after the scoring: the scores of runs the history rule does not keep are deleted
    (analytics.history)."""
    from guanxi.analytics import history

    with as_job():
        return len(history.drop_old_scores())
