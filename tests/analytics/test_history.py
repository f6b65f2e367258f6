"""How much score history is kept (analytics.history): the latest runs of each model whole, each month's last run
for two years, the other runs' scores deleted while the runs and their figures stay."""

import datetime as dt

from django.test.utils import override_settings
from django.utils import timezone

from guanxi.analytics import history, latest
from guanxi.analytics.models import Score, ScoreModel, ScoringRun
from guanxi.analytics.tasks import drop_old_scores_nightly

TODAY = dt.date(2026, 11, 28)


def nightly_runs(customers, model, days, state=ScoringRun.State.PUBLISHED):
    """A run of `model` each of `days` (as of that day), each scoring every customer."""
    runs = {}
    for day in days:
        run = ScoringRun.objects.create(model=model, version="v1", as_of=day, state=state,
                                        customers=len(customers), figures={"auc": 0.8})
        Score.objects.bulk_create(Score(run=run, customer=customer, value=day.day, label=str(day))
                                  for customer in customers)
        runs[day] = run
    return runs


@override_settings(GUANXI_SCORE_RUNS_KEPT=3, GUANXI_SCORE_MONTHS_KEPT=2)
def test_the_latest_runs_and_each_month_s_last_are_kept_the_others_lose_their_scores(customers):
    people = list(customers.values())
    days = [dt.date(2026, 9, 30), dt.date(2026, 10, 30), dt.date(2026, 10, 31)] + [
        dt.date(2026, 11, d) for d in (20, 25, 26, 27, 28)]
    runs = nightly_runs(people, ScoreModel.CHURN, days)
    refused = ScoringRun.objects.create(model=ScoreModel.CHURN, version="v1", as_of=dt.date(2026, 11, 1),
                                        state=ScoringRun.State.REFUSED, message="too little history")
    others = nightly_runs(people, ScoreModel.RFM, [dt.date(2026, 11, 1)])  # one run of its own: kept

    dropped = history.drop_old_scores(TODAY)

    # kept: the three latest (28, 27, 26 Nov), October's last (31 Oct); November's last is among the three;
    # dropped: 20 and 25 Nov (neither latest nor a month's last), 30 Oct (not October's last), 30 Sep (a month's
    # last, but older than the two months kept)
    gone = [dt.date(2026, 9, 30), dt.date(2026, 10, 30), dt.date(2026, 11, 20), dt.date(2026, 11, 25)]
    assert sorted(run.as_of for run in dropped) == gone
    for day, run in runs.items():
        run.refresh_from_db()
        assert Score.objects.filter(run=run).count() == (0 if day in gone else len(people)), day
        assert (run.scores_dropped_at is not None) == (day in gone)
        assert run.figures == {"auc": 0.8} and run.customers == len(people)  # the run is kept
    assert ScoringRun.objects.filter(pk=refused.pk).exists()
    assert Score.objects.filter(run=others[dt.date(2026, 11, 1)]).count() == len(people)
    # the latest scores are still what the product reads
    churn = [run for run, _score in latest.latest_scores(people[0].pk) if run.model == ScoreModel.CHURN]
    assert churn == [runs[dt.date(2026, 11, 28)]]
    # run again, nothing more goes
    assert history.drop_old_scores(TODAY) == []


@override_settings(GUANXI_SCORE_MONTHS_KEPT=0)  # no month's last run kept: whatever month today falls in
def test_the_nightly_job_keeps_the_latest_two_weeks(customers):
    people, today = list(customers.values())[:1], timezone.localdate()
    runs = nightly_runs(people, ScoreModel.RFM, [today - dt.timedelta(days=n) for n in range(16)])
    assert drop_old_scores_nightly.call_local() == 2  # 16 nights: the latest 14 kept
    assert [day for day, run in runs.items() if not Score.objects.filter(run=run).exists()] == [
        today - dt.timedelta(days=14), today - dt.timedelta(days=15)]
