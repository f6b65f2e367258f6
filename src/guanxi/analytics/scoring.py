"""Scoring the customer base: warehouse → features → models → one run per model with its scores.

Each model's run is written and published in its own transaction: a model that cannot be fitted
(too little history) or fails its evaluation is recorded as refused with the reason, and the pages
keep showing its last published run. Scores are written in bulk (COPY on PostgreSQL), never through the customer row,
and none for a customer who refused analytics and profiling (`_not_profiled`); a run's `customers` counts whom
the model analysed.
"""

import contextlib
import csv
import datetime as dt
import gc
import io
import itertools
from collections.abc import Callable, Collection
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

import numpy as np
import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from threadpoolctl import threadpool_limits

from guanxi.analytics import evaluation, scorers, warehouse
from guanxi.analytics.models import Score, ScoreModel, ScoringRun
from guanxi.analytics.refusals import FailedEvaluation, TooLittleHistory
from guanxi.analytics.scorers import Scored
from guanxi.customers.models import Consent, ConsentPurpose, Customer

VERSIONS = {ScoreModel.RFM: "rfm-quintiles-1", ScoreModel.PYRAMID: "pyramid-profit-1", ScoreModel.CLV: "bgnbd-gg-1",
            ScoreModel.CHURN: "churn-tree-blend-2", ScoreModel.REPURCHASE: "repurchase-tree-blend-2",
            ScoreModel.CLUSTER: "kmeans-silhouette-2", ScoreModel.EVALUATION: "ranks-weighted-2"}
WRITE_ROWS = 20_000
EPOCH = dt.date(1970, 1, 1)


def score_all(*, as_of: dt.date | None = None, full_extract: bool = False,
              progress: Callable[[str], None] | None = None,
              models: Collection[str] | None = None) -> list[ScoringRun]:
    """Extract, then score every model (or those of `models`); returns the runs, published or refused."""
    as_of = as_of or timezone.localdate()
    say = progress or (lambda step: None)
    say("extract")
    warehouse.extract(full=full_extract)
    say("features")
    query = warehouse.open_query(in_memory=True)
    try:
        return _score_models(query, as_of, say, models)
    finally:
        query.close()


def _score_models(query, as_of: dt.date, say, models: Collection[str] | None = None) -> list[ScoringRun]:
    day = (as_of - EPOCH).days
    summary = scorers.customer_summary(query, day)
    potential: dict[str, Scored] = {}  # the lifetime values the evaluation reads: fitted once a night

    def lifetime() -> Scored:
        scored = scorers.clv_scores(summary)
        # the values only: the reasons (millions of lists) go once written
        potential["clv"] = Scored(scored.customer_ids, scored.value, scored.label, [], {})
        return scored

    steps = (
        (ScoreModel.RFM, lambda: scorers.rfm_scores(summary)),
        (ScoreModel.PYRAMID, lambda: scorers.pyramid_scores(summary)),
        (ScoreModel.CLV, lifetime),
        (ScoreModel.CHURN, lambda: scorers.churn_scores(query, day)),
        (ScoreModel.REPURCHASE, lambda: scorers.repurchase_scores(query, day)),
        (ScoreModel.CLUSTER, lambda: scorers.cluster_scores(query, summary, day)),
        (ScoreModel.EVALUATION, lambda: scorers.evaluation_scores(summary, potential.get("clv") or lifetime(),
                                                                  _evaluation_weights())),
    )
    refused = _not_profiled()  # read once for the seven models: ~750,000 ids at 3M customers if a quarter refuse
    runs = []
    # One thread for numpy and scikit-learn: the worker shares the machine with the web server, and
    # OpenMP threads competing with other processes made a churn fit 20 times slower (46 s, not 2 s).
    with threadpool_limits(limits=1), _no_cycle_collection(), _Publisher() as publisher:
        for model, compute in steps:
            if models is not None and model not in models:
                continue
            say(model)
            runs.append(_run(model, as_of, compute, refused, publisher))
    return runs


class _Publisher:
    """Writes and publishes each model's scores while the next model is fitted: on PostgreSQL outside a
    transaction, in a thread with its own connection, since PostgreSQL taking a model's 2.1 million scores
    (about 13 s at 3 million customers) is mostly waiting on the server; elsewhere in turn, in the caller's
    transaction (SQLite has one writer; a test's transaction is not seen from another connection). Runs are
    published in the models' order; the first error is raised once every model has been tried."""

    def __init__(self):
        self.thread = (ThreadPoolExecutor(max_workers=1, thread_name_prefix="scores")
                       if connection.vendor == "postgresql" and not connection.in_atomic_block else None)
        self.pending: list[Future] = []

    # Writes waiting or under way at most: each holds a model's scores (about 0.6 GB at 3 million customers).
    QUEUED = 2

    def publish(self, work: Callable[[], None]) -> None:
        if self.thread is None:
            work()
            return
        unfinished = [written for written in self.pending if not written.done()]
        if len(unfinished) >= self.QUEUED:
            wait(unfinished, return_when=FIRST_COMPLETED)
        self.pending.append(self.thread.submit(work))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.thread is None:
            return
        self.pending.append(self.thread.submit(_close_connection))
        self.thread.shutdown(wait=True)
        if exc_info[0] is None:  # else a model's own error is on its way up (the runs say what was written)
            for written in self.pending:
                written.result()


def _evaluation_weights() -> dict:
    """The weights of the quantified evaluation's four dimensions (GUANXI_EVALUATION_WEIGHTS; analytics.evaluation
    has the defaults)."""
    return getattr(settings, "GUANXI_EVALUATION_WEIGHTS", evaluation.DEFAULT_WEIGHTS)


def _close_connection() -> None:
    """Closes the connection of the thread that runs it (`connection` is looked up there)."""
    connection.close()


def _run(model: str, as_of: dt.date, compute, refused: set[int], publisher: _Publisher) -> ScoringRun:
    run = ScoringRun.objects.create(model=model, version=VERSIONS[model], as_of=as_of)
    try:
        scored = compute()  # the cycle collector is off for the whole loop (_score_models)
    except (TooLittleHistory, FailedEvaluation) as refusal:
        return _finish(run, ScoringRun.State.REFUSED, message=str(refusal))
    except Exception as exc:
        _finish(run, ScoringRun.State.FAILED, message=repr(exc)[:2000])
        raise
    if not np.isfinite(scored.value).all():  # a score nobody can rank by is not published
        return _finish(run, ScoringRun.State.REFUSED, message="the model gave values that are not numbers")

    def write_and_publish():
        try:
            with transaction.atomic():
                _write_scores(run, scored, refused)
                _finish(run, ScoringRun.State.PUBLISHED, figures=scored.figures, customers=len(scored.customer_ids))
        except Exception as exc:
            _finish(run, ScoringRun.State.FAILED, message=repr(exc)[:2000])
            raise

    publisher.publish(write_and_publish)
    return run


@contextlib.contextmanager
def _no_cycle_collection():
    """For making and writing millions of small lists and tuples (a score's reasons, its row), none of which
    can be part of a cycle: Python's cycle collector would walk all of them again and again as they pile up
    (13 s instead of 1.5 s for a million customers' cluster reasons here, 7.6 s instead of 0.6 s for 2.1
    million RFM reasons)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _finish(run: ScoringRun, state: str, **fields) -> ScoringRun:
    for name, value in {"state": state, "finished_at": timezone.now(), **fields}.items():
        setattr(run, name, value)
    run.save()
    return run


def _not_profiled() -> set[int]:
    """Customers who refused analytics and profiling (a consent for the purpose, not granted): nothing is kept
    of them per person, no score, no level, no cluster. Their purchases still count, without a name, in the
    figures of the whole base (the pyramid's cut-offs, a model's fit), which are no profile of anyone."""
    return set(Consent.objects.filter(purpose=ConsentPurpose.PROFILING, granted=False)
               .values_list("customer_id", flat=True))


def _write_scores(run: ScoringRun, scored: Scored, refused: set[int]) -> None:
    rows = (row for row in zip(scored.customer_ids.tolist(), scored.value.tolist(), scored.label.tolist(),
                               scored.reasons) if row[0] not in refused)
    if connection.vendor == "postgresql":
        _copy_scores(run, rows)
    else:
        while chunk := list(itertools.islice(rows, WRITE_ROWS)):
            Score.objects.bulk_create([Score(run=run, customer_id=customer, value=value, label=label, reasons=reasons)
                                       for customer, value, label, reasons in chunk])
    # customers merged away or deleted since the warehouse copy: the scores carry no constraint to refuse them
    run.scores.filter(~Exists(Customer.objects.filter(pk=OuterRef("customer_id")))).delete()


def _copy_scores(run: ScoringRun, rows) -> None:
    """PostgreSQL's COPY, fed CSV by the csv module with the reasons written by orjson, WRITE_ROWS at a time:
    millions of scores in seconds. json.dumps and psycopg's row-by-row writing took 70 of the job's 90 s of
    writing at 3 million customers (under a profiler). Text is quoted, so an empty label stays empty, not NULL."""
    table = Score._meta.db_table
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} (run_id, customer_id, value, label, reasons) FROM STDIN (FORMAT csv)") as copy:
        while chunk := list(itertools.islice(rows, WRITE_ROWS)):
            text = io.StringIO()
            csv.writer(text, quoting=csv.QUOTE_NONNUMERIC).writerows(
                (run.pk, customer_id, value, label, orjson.dumps(reasons).decode())
                for customer_id, value, label, reasons in chunk)
            copy.write(text.getvalue())
