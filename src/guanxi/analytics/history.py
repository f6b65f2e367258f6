"""How much score history is kept: every night's run adds a score per customer and model (about 12 million rows a
night at 3 million customers), so without a rule the score table grows by billions of rows a year. Kept whole:
each model's latest GUANXI_SCORE_RUNS_KEPT published runs (the last two weeks, to compare night with night) and,
for GUANXI_SCORE_MONTHS_KEPT months, the last published run of each month (a customer's trend over the years).
The other runs lose their scores; the run itself, its figures and evaluation stay (what the model was, how good).

A job of its own (tasks.drop_old_scores_nightly), after the scoring, so that the night's scoring does not wait
for PostgreSQL to delete millions of rows."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from guanxi.analytics.models import Score, ScoreModel, ScoringRun


def drop_old_scores(today: dt.date | None = None) -> list[ScoringRun]:
    """Deletes the scores of the runs the rule does not keep (module docstring); returns those runs."""
    today = today or timezone.localdate()
    oldest_month = _months_before(today.replace(day=1), settings.GUANXI_SCORE_MONTHS_KEPT - 1)
    dropped = []
    for model in ScoreModel.values:
        runs = list(ScoringRun.objects.filter(model=model, state=ScoringRun.State.PUBLISHED,
                                              scores_dropped_at__isnull=True).order_by("-as_of", "-id"))
        month_ends, kept = set(), set()
        for index, run in enumerate(runs):
            month = run.as_of.replace(day=1)
            if index < settings.GUANXI_SCORE_RUNS_KEPT or (month not in month_ends and month >= oldest_month):
                kept.add(run.pk)
            month_ends.add(month)  # the first run met in a month is its last
        dropped += [run for run in runs if run.pk not in kept]
    for run in dropped:
        Score.objects.filter(run=run).delete()  # one DELETE per run: nothing refers to a score
        run.scores_dropped_at = timezone.now()
        run.save(update_fields=["scores_dropped_at"])
    return dropped


def _months_before(month: dt.date, count: int) -> dt.date:
    year, index = divmod(month.year * 12 + month.month - 1 - count, 12)
    return dt.date(year, index + 1, 1)
