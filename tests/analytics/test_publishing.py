"""Each model's scores written while the next model is fitted (analytics.scoring._Publisher): on PostgreSQL,
outside a transaction, from a thread with a connection of its own, as the worker's nightly job runs."""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from guanxi.analytics import scoring
from guanxi.analytics.models import ScoreModel, ScoringRun
from guanxi.customers.models import Consent, Interaction

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the roles made by migrations


@pytest.fixture
def base():
    if connection.vendor != "postgresql":
        pytest.skip("on SQLite (one writer) the scores are written in turn")
    call_command("demo", customers=150, seed=5, no_progress=True, stdout=StringIO())


@pytest.fixture
def writers(monkeypatch) -> list[tuple[str, str]]:
    """(model, the name of the thread that wrote its scores), in the order written."""
    seen, write = [], scoring._write_scores

    def recorded(run, scored, refused):
        seen.append((run.model, threading.current_thread().name))
        write(run, scored, refused)

    monkeypatch.setattr(scoring, "_write_scores", recorded)
    return seen


def test_every_model_is_published_by_the_writing_thread_and_a_failed_write_fails_its_run_only(
        base, writers, monkeypatch):
    runs = scoring.score_all()
    assert [model for model, _thread in writers] == [run.model for run in runs if run.state == "published"]
    assert writers and all(thread.startswith("scores") for _model, thread in writers)
    buyers = set(Interaction.objects.filter(amount__gt=0).values_list("customer_id", flat=True))
    refused = set(Consent.objects.filter(purpose="profiling", granted=False).values_list("customer_id", flat=True))
    for model in (ScoreModel.RFM, ScoreModel.PYRAMID, ScoreModel.CLV, ScoreModel.EVALUATION):
        run = ScoringRun.objects.filter(model=model, state="published").latest("pk")
        assert run in runs and set(run.scores.values_list("customer_id", flat=True)) == buyers - refused

    write = scoring._write_scores

    def broken_for_lifetime_value(run, scored, refused):
        if run.model == ScoreModel.CLV:
            raise RuntimeError("disk full")
        write(run, scored, refused)

    monkeypatch.setattr(scoring, "_write_scores", broken_for_lifetime_value)
    with pytest.raises(RuntimeError, match="disk full"):  # raised once the models after it are published
        scoring.score_all(models=[ScoreModel.RFM, ScoreModel.CLV, ScoreModel.EVALUATION])
    latest = {run.model: run for run in ScoringRun.objects.order_by("pk")}
    assert latest[ScoreModel.CLV].state == "failed" and "disk full" in latest[ScoreModel.CLV].message
    assert not latest[ScoreModel.CLV].scores.exists()  # its transaction rolled back
    assert latest[ScoreModel.RFM].state == latest[ScoreModel.EVALUATION].state == "published"
