"""Scoring the demo base end to end: warehouse copy, features, RFM, value pyramid and lifetime value,
runs with their history, and the scores on the 360 page."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation

from guanxi.analytics import clusters, latest, scorers, scoring, warehouse
from guanxi.analytics.cards import cluster_name
from guanxi.analytics.models import Score, ScoreModel, ScoringRun
from guanxi.cli import main
from guanxi.core import outbox
from guanxi.core.models import User
from guanxi.core.roles import Role
from guanxi.customers import services
from guanxi.customers.models import Channel, Consent, Customer, Interaction, Ownership
from tests.conftest import shared_demo

pytestmark = pytest.mark.django_db


# 300 demo customers, scored once by `guanxi demo` itself
demo_data, demo = shared_demo(customers=300, seed=7)


def published(model):
    return ScoringRun.objects.filter(model=model, state=ScoringRun.State.PUBLISHED)


def test_the_demo_is_scored_by_every_model_and_each_buyer_has_one_score_per_model(demo):
    buyers = set(Interaction.objects.filter(amount__gt=0).values_list("customer_id", flat=True).distinct())
    refused = set(Consent.objects.filter(purpose="profiling", granted=False).values_list("customer_id", flat=True))
    assert buyers & refused  # the demo has buyers who refused analytics and profiling: none of them is scored
    for model in (ScoreModel.RFM, ScoreModel.PYRAMID, ScoreModel.CLV):
        run = published(model).get()
        assert run.customers == len(buyers) > 50
        assert set(run.scores.values_list("customer_id", flat=True)) == buyers - refused
    assert published(ScoreModel.CLV).get().figures["bg_nbd"]["log_likelihood"] < 0


def test_spend_in_the_scores_is_what_the_live_database_holds(demo):
    """The warehouse copy, the local dates and the sale / service split lose nothing on the way."""
    run = published(ScoreModel.RFM).get()
    pyramid = published(ScoreModel.PYRAMID).get()
    spend = dict(Interaction.objects.filter(amount__gt=0).values("customer_id").annotate(total=Sum("amount"))
                 .values_list("customer_id", "total"))
    for score in run.scores.all():
        assert Decimal(str(dict(score.reasons)["spend"])) == spend[score.customer_id]
    for score in pyramid.scores.all():
        parts = dict(score.reasons)
        assert Decimal(str(parts["sale_spend"])) + Decimal(str(parts["service_spend"])) == spend[score.customer_id]


def test_the_value_pyramid_holds_the_configured_shares_of_customers(demo):
    run = published(ScoreModel.PYRAMID).get()
    levels = list(run.scores.values_list("label", flat=True))
    share = {level: levels.count(level) / len(levels) for level in ("vip", "a", "b", "c")}
    assert share["vip"] == pytest.approx(0.01, abs=0.01)
    assert share["vip"] + share["a"] == pytest.approx(0.05, abs=0.01)
    assert share["vip"] + share["a"] + share["b"] == pytest.approx(0.20, abs=0.01)
    shares = run.figures["profit_share"]
    assert sum(shares.values()) == pytest.approx(1)
    assert shares["vip"] > 0.01 and shares["c"] < 0.80  # the few at the top bring more than their number


def test_the_360_page_shows_each_models_latest_score_with_reasons_in_the_readers_language(demo, client):
    vip = Score.objects.get(run__in=published(ScoreModel.PYRAMID), label="vip").customer
    dealer_sales = User.objects.get(username=Role.DEALER_SALES)
    client.force_login(User.objects.get(username=Role.ADMIN))
    page = client.get(reverse("customers:detail", args=[vip.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Value pyramid" in page and "<strong>VIP</strong>" in page
    assert "RFM segment" in page and "days ago" in page and "likely still active" in page
    assert "Not yet scored" not in page
    chinese = client.get(reverse("customers:detail", args=[vip.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "价值金字塔" in chinese and "天前" in chinese
    prospect = Customer.objects.exclude(pk__in=Score.objects.values("customer_id")).restrict(dealer_sales).first()
    client.force_login(dealer_sales)
    page = client.get(reverse("customers:detail", args=[prospect.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Not yet scored" in page


def test_too_little_history_is_refused_and_the_last_published_scores_stay(demo):
    earlier = published(ScoreModel.CLV).get()
    earlier_rfm = published(ScoreModel.RFM).get()
    first_day = timezone.localtime(Interaction.objects.filter(amount__gt=0).earliest("occurred_at").occurred_at)
    runs = scoring.score_all(as_of=first_day.date() + dt.timedelta(days=30))
    refused = {run.model: run for run in runs}[ScoreModel.CLV]
    assert refused.state == ScoringRun.State.REFUSED and "at least 20 needed" in refused.message
    customer_id = earlier.scores.first().customer_id
    shown = {run.model: run for run, _ in latest.latest_scores(customer_id)}
    assert shown[ScoreModel.CLV] == earlier
    assert published(ScoreModel.RFM).count() == 2  # RFM needs no fit: the past was scored too
    assert shown[ScoreModel.RFM] == earlier_rfm  # but the page shows the newest day scored


def test_a_later_run_keeps_the_history_and_the_page_shows_the_newest(demo):
    customer_id = published(ScoreModel.RFM).get().scores.first().customer_id
    scoring.score_all()
    assert published(ScoreModel.RFM).count() == 2
    assert Score.objects.filter(customer_id=customer_id, run__model=ScoreModel.RFM).count() == 2
    newest = published(ScoreModel.RFM).order_by("-id").first()
    assert [run for run, _ in latest.latest_scores(customer_id)][0] == newest


def test_the_incremental_copy_brings_new_and_changed_rows_once(demo):
    admin = User.objects.get(username=Role.ADMIN)
    customer = Customer.objects.filter(scores__isnull=False).first()
    services.add_interaction(admin, customer.pk, {
        "channel": "visit", "direction": "in", "occurred_at": timezone.now(), "subject": "定期保养",
        "amount": Decimal("880.00"),
    })
    services.update_customer(admin, customer.pk, {"tier": "gold"})
    manifest = warehouse.extract()
    assert manifest["tables"]["fact_interaction"]["parts"] == 2
    con = warehouse.open_warehouse()
    assert con.execute("SELECT count(*) - count(DISTINCT id) FROM fact_interaction").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM fact_interaction").fetchone() == (Interaction.objects.count(),)
    assert con.execute(f"SELECT tier FROM dim_customer WHERE id = {customer.pk}").fetchone() == ("gold",)
    assert con.execute(f"SELECT sum(amount) FROM fact_interaction WHERE customer_id = {customer.pk}").fetchone()[0] \
        == float(Interaction.objects.filter(customer=customer).aggregate(total=Sum("amount"))["total"])


def test_an_erased_customer_loses_their_scores_and_is_not_scored_again(demo):
    admin = User.objects.get(username=Role.ADMIN)
    customer = Customer.objects.filter(scores__isnull=False).first()
    services.erase_customer(admin, customer.pk)
    outbox.dispatch()
    assert not Score.objects.filter(customer=customer).exists()
    scoring.score_all()
    assert not Score.objects.filter(customer=customer).exists()


def test_a_customer_who_withdraws_consent_to_profiling_loses_their_scores_and_is_not_scored_again(demo):
    admin = User.objects.get(username=Role.ADMIN)
    customer = Customer.objects.filter(scores__isnull=False).exclude(consents__purpose="profiling").first()
    other = Score.objects.exclude(customer=customer).count()

    def answer(granted):
        services.record_consent(admin, customer.pk, {"channel": "sms", "purpose": "profiling", "granted": granted,
                                                     "how": "电话"})
        outbox.dispatch()

    answer(True)
    assert Score.objects.filter(customer=customer).exists()  # agreeing changes nothing
    answer(False)
    assert not Score.objects.filter(customer=customer).exists()  # every run's, not only the latest
    assert Score.objects.exclude(customer=customer).count() == other
    scoring.score_all(models=[ScoreModel.RFM])
    assert not Score.objects.filter(customer=customer).exists()


def test_guanxi_score_refuses_a_day_that_is_not_a_date_and_an_unknown_engine(capsys, settings):
    with pytest.raises(SystemExit) as stopped:
        main(["score", "--as-of", "26.11.2026"])
    assert stopped.value.code == 2
    assert "is not a date like 2026-11-26" in capsys.readouterr().err
    settings.GUANXI_ANALYTICS_ENGINE = "hive"
    with pytest.raises(SystemExit):
        main(["score"])
    assert "GUANXI_ANALYTICS_ENGINE='hive' is not one of duckdb, spark" in capsys.readouterr().err


def test_a_customer_deleted_since_the_last_copy_is_not_scored(demo):
    """A merge deletes a customer during the week; the incremental copy still holds the row."""
    admin = User.objects.get(username=Role.ADMIN)
    gone = Customer.objects.filter(scores__isnull=True).first()
    services.add_interaction(admin, gone.pk, {
        "channel": "visit", "direction": "in", "occurred_at": timezone.now() - dt.timedelta(days=3),
        "subject": "定期保养", "amount": Decimal("500.00"),
    })
    warehouse.extract()
    Interaction.objects.filter(customer=gone).delete()
    gone.delete()
    runs = scoring.score_all()
    owner_models = (ScoreModel.CHURN, ScoreModel.REPURCHASE)
    assert all(run.state == ScoringRun.State.PUBLISHED for run in runs if run.model not in owner_models)
    assert not Score.objects.filter(customer_id=gone.pk).exists()


def test_a_customer_merged_away_while_the_models_run_gets_no_score_and_the_run_is_published(demo, monkeypatch):
    """The copy was made before the merge; the scores are written after it, with no key constraint to refuse
    them, so the writer leaves out customers who are gone by then."""
    before = published(ScoreModel.RFM).get()
    gone, scored_before = before.scores.order_by("pk").first().customer, before.scores.count()
    score_them = scorers.rfm_scores

    def merged_meanwhile(summary):
        Interaction.objects.filter(customer=gone).delete()
        Ownership.objects.filter(customer=gone).delete()
        gone.delete()
        return score_them(summary)

    monkeypatch.setattr(scorers, "rfm_scores", merged_meanwhile)
    run = scoring.score_all(models=[ScoreModel.RFM])[0]
    assert run.state == ScoringRun.State.PUBLISHED
    assert run.customers == before.customers
    assert run.scores.count() == scored_before - 1
    assert not Score.objects.filter(customer_id=gone.pk).exists()


def test_a_small_bases_repurchase_model_ranks_too_poorly_to_publish_and_says_so(demo):
    """300 customers hold a few dozen replacements a year: too few to learn when owners replace."""
    run = ScoringRun.objects.get(model=ScoreModel.REPURCHASE)
    assert run.state == ScoringRun.State.REFUSED
    assert "strong model AUC" in run.message and "is below 0.700" in run.message


def test_the_demo_base_gets_a_cluster_score_per_scored_customer_shown_on_the_360_and_clusters_pages(demo, client):
    runs = ScoringRun.objects.filter(state=ScoringRun.State.PUBLISHED)
    rfm, run = runs.get(model=ScoreModel.RFM), runs.get(model=ScoreModel.CLUSTER)
    scored = set(rfm.scores.values_list("customer_id", flat=True))
    assert run.customers == rfm.customers > len(scored) > 50  # analysed; those who refused profiling not scored
    assert set(run.scores.values_list("customer_id", flat=True)) == scored
    assert 2 <= run.figures["k"] <= 8
    assert sorted(run.scores.values_list("value", flat=True).distinct()) == list(range(1, run.figures["k"] + 1))
    spend = {score.customer_id: dict(score.reasons)["spend"] for score in rfm.scores.all()}
    for score in run.scores.all():
        reasons = dict(score.reasons)
        mine = dict(zip(clusters.FEATURES, reasons["figures"]))
        assert mine["sale_spend"] + mine["service_spend"] == pytest.approx(spend[score.customer_id])
        assert reasons["traits"] == run.figures["clusters"][int(score.value) - 1]["traits"]

    client.force_login(User.objects.get(username=Role.ADMIN))
    score = next(score for score in run.scores.all() if dict(score.reasons)["traits"])
    page = client.get(reverse("customers:detail", args=[score.customer_id]), HTTP_ACCEPT_LANGUAGE="en")
    with translation.override("en"):
        name = cluster_name(dict(score.reasons)["traits"])
    assert "Customer cluster" in page.content.decode() and f"<strong>{name}</strong>" in page.content.decode()
    response = client.get(reverse("analytics:clusters"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert sum(profile.size for profile in response.context["seen"].profiles) == run.customers
    assert name in response.content.decode()

    out = StringIO()
    call_command("clusters", stdout=out)
    assert f"{run.customers:,} customers, k = {run.figures['k']}" in out.getvalue()
    newest = runs.filter(model=ScoreModel.CLUSTER).order_by("-id")
    assert newest.count() == 2  # the history is kept; the page shows the newest
    assert client.get(reverse("analytics:clusters")).context["seen"].run == newest.first()


def test_the_evaluation_ranks_each_buyer_on_profit_loyalty_potential_and_influence(demo):
    """The quantified evaluation: four ranks from 0 to 100 and their weighted mean; the figures behind loyalty and
    influence are the customer's own, as the live database holds them."""
    run = published(ScoreModel.EVALUATION).get()
    clv = {score.customer_id: score for score in published(ScoreModel.CLV).get().scores.all()}
    scores = list(run.scores.select_related("customer"))
    assert len(scores) == len(clv) > 50
    weights = run.figures["weights"]
    assert weights == {"profit": 0.4, "loyalty": 0.25, "potential": 0.25, "influence": 0.1}
    two_years_before = run.as_of - dt.timedelta(days=730)
    club_events = {}  # the customer's owners' club events in the two years up to the run
    for event in Interaction.objects.filter(channel=Channel.EVENT):
        if two_years_before < timezone.localdate(event.occurred_at) <= run.as_of:
            club_events[event.customer_id] = club_events.get(event.customer_id, 0) + 1
    for score in scores:
        facts = dict(score.reasons)
        referred = Customer.objects.filter(referred_by=score.customer, erased_at__isnull=True).count()
        assert facts["referrals"] == referred
        assert facts["club_events_2y"] == club_events.get(score.customer_id, 0)
        assert facts["cars_bought"] <= score.customer.ownerships.count()
        mean = sum(facts[name] * weight for name, weight in weights.items()) / sum(weights.values())
        assert score.value == pytest.approx(mean, abs=0.5)  # the ranks are kept rounded to whole numbers
        assert score.label == "abcd"[min(3, 3 - int(score.value // 25))]  # a from 75, b from 50, c from 25
        assert all(0 <= facts[name] <= 100 for name in weights)
    referrers = [score for score in scores if dict(score.reasons)["referrals"] > 0]
    buyers = Interaction.objects.filter(amount__gt=0).values("customer_id")
    assert referrers and run.figures["referrals"] == Customer.objects.filter(
        referred_by__in=buyers, erased_at__isnull=True).count()  # the whole base's, those who refused profiling too
    def ranked(key, dimension):  # a rank never falls as the figure behind it grows
        ordered = sorted(scores, key=key)
        return all(dict(a.reasons)[dimension] <= dict(b.reasons)[dimension] for a, b in zip(ordered, ordered[1:]))

    def influence(score):  # a referral counts as three club events
        return dict(score.reasons)["referrals"] * 3 + dict(score.reasons)["club_events_2y"]

    assert ranked(influence, "influence")
    assert ranked(lambda s: clv[s.customer_id].value, "potential")
    assert {dict(s.reasons)["influence"] for s in scores if influence(s) == 0} == {0}
    # the whole base's club goers, those who refused profiling (and have no published score) too
    assert 5 < sum(1 for s in scores if dict(s.reasons)["club_events_2y"]) <= run.figures["club_goers"]
    assert max(dict(s.reasons)["influence"] for s in scores) > 90


def test_the_evaluation_weights_are_a_setting_and_bad_ones_fail_the_run_with_the_reason(demo, settings):
    settings.GUANXI_EVALUATION_WEIGHTS = {"influence": 1}
    run = scoring.score_all(models=[ScoreModel.EVALUATION])[0]
    assert run.state == ScoringRun.State.PUBLISHED
    for score in run.scores.all():
        assert score.value == pytest.approx(dict(score.reasons)["influence"], abs=0.5)
    settings.GUANXI_EVALUATION_WEIGHTS = {"profit": 1, "charm": 2}
    with pytest.raises(ValueError, match="unknown evaluation dimensions"):
        scoring.score_all(models=[ScoreModel.EVALUATION])
    failed = ScoringRun.objects.filter(model=ScoreModel.EVALUATION).latest("pk")
    assert failed.state == ScoringRun.State.FAILED and "charm" in failed.message
    assert latest.latest_scores(run.scores.first().customer_id)[-1][0] == run  # the page keeps the last good run


def test_the_360_page_words_the_evaluation_in_the_readers_language(demo, client):
    ranked = published(ScoreModel.EVALUATION).get().scores.order_by("-value")
    score = next(score for score in ranked if dict(score.reasons)["club_events_2y"])  # a club goer
    facts = dict(score.reasons)
    client.force_login(User.objects.get(username=Role.ADMIN))
    url = reverse("customers:detail", args=[score.customer_id])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Customer evaluation" in page and f"{score.label.upper()} · {round(score.value)} of 100" in page
    assert f"profit {facts['profit']} · loyalty {facts['loyalty']}" in page
    referred = facts["referrals"]
    assert f"referred {referred} customer{'' if referred == 1 else 's'}" in page
    events = facts["club_events_2y"]
    assert f"{events} owners&#x27; club event{'' if events == 1 else 's'} in 2 years" in page
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "客户综合评价" in chinese and f"利润 {facts['profit']}" in chinese and "（满分 100）" in chinese


def test_a_warehouse_copied_by_an_earlier_release_is_copied_again_where_its_columns_changed(demo):
    """An earlier release copied customers without `referred_by_id` and wrote no column list: parts of the old
    shape are not mixed with new ones: that table is copied whole once, and the models run."""
    root = warehouse.directory()
    for part in (root / "dim_customer").glob("part-*.parquet"):
        pq.write_table(pq.read_table(part).drop_columns(["referred_by_id"]), part)
    manifest = json.loads((root / "manifest.json").read_text())
    for state in manifest["tables"].values():
        del state["columns"]
    (root / "manifest.json").write_text(json.dumps(manifest))
    copied = warehouse.extract()["tables"]["dim_customer"]
    assert copied["parts"] == 1 and copied["rows"] == Customer.objects.count()
    assert len(list((root / "dim_customer").glob("part-*.parquet"))) == 1
    con = warehouse.open_warehouse()
    assert con.execute("SELECT count(referred_by_id) FROM dim_customer").fetchone() == (
        Customer.objects.filter(referred_by__isnull=False).count(),)
    run = scoring.score_all(models=[ScoreModel.EVALUATION])[0]
    assert run.state == ScoringRun.State.PUBLISHED
