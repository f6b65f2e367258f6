"""Customer clusters: k chosen by the silhouette on groups made to be told apart, the demo base
clustered by the nightly scoring, and the clusters page, whose figures are those of the customers
each user may see."""

import datetime as dt
import functools

import numpy as np
import pytest
from django.urls import reverse
from django.utils import translation
from threadpoolctl import threadpool_limits

from guanxi.analytics import clusters
from guanxi.analytics.cards import cluster_name
from guanxi.analytics.models import Score, ScoreModel, ScoringRun
from guanxi.analytics.refusals import TooLittleHistory
from guanxi.core.models import User
from guanxi.core.roles import Role
from guanxi.core.scoping import may, sees_everything
from tests.isolation import USER_KEYS

# A customer of each kind, in the order of clusters.FEATURES: recency_days, service_visits, cars,
# car_age_years, sale_spend, service_spend, inbound_1y, outbound_1y
TYPICAL = (90, 3, 1, 3.0, 200_000, 3_000, 1, 1)
GROUPS = {
    "workshop regulars": ({"service_visits": 15, "service_spend": 40_000}, 240),
    "fleet buyers": ({"cars": 25, "sale_spend": 4_000_000}, 200),
    "lapsed owners of old cars": ({"recency_days": 2_000, "car_age_years": 8.0}, 160),
}


def _groups(seed=3):
    """The three groups, each typical but for its two features, with some noise; a few customers
    have no car today (no car age)."""
    rng = np.random.default_rng(seed)
    rows, kinds = [], []
    for kind, (apart, size) in GROUPS.items():
        centre = np.array([apart.get(name, value) for name, value in zip(clusters.FEATURES, TYPICAL)], dtype=float)
        noise = rng.lognormal(0, 0.1, (size, len(centre)))
        rows.append(centre * noise)
        kinds += [kind] * size
    raw = np.vstack(rows)
    raw[rng.choice(len(raw), 12, replace=False), clusters.FEATURES.index("car_age_years")] = np.nan
    return raw, np.array(kinds)


@functools.cache
def _clustering():
    """The groups clustered once for every test: one thread, as the nightly job runs it (OpenMP threads
    fighting over a busy machine's cores make each fit many times slower)."""
    with threadpool_limits(limits=1):
        return clusters.cluster(_groups()[0])


def test_three_well_separated_groups_make_three_clusters_named_by_what_sets_each_apart():
    raw, kinds = _groups()
    clustering, figures = _clustering()
    assert clustering.k == figures["k"] == 3
    assert set(clustering.silhouettes) == set(range(2, 9))
    assert clustering.silhouettes[3] == max(clustering.silhouettes.values())
    expected = {
        "workshop regulars": {("service_visits", "high"), ("service_spend", "high")},
        "fleet buyers": {("cars", "high"), ("sale_spend", "high")},
        "lapsed owners of old cars": {("recency_days", "high"), ("car_age_years", "high")},
    }
    for number, (kind, (apart, size)) in enumerate(GROUPS.items(), start=1):  # numbered by size
        members = clustering.labels[kinds == kind]
        assert (members == number).all(), kind
        profile = clustering.profiles[number - 1]
        assert profile.size == size and profile.share == pytest.approx(size / len(raw), abs=1e-4)
        assert set(clustering.traits[number - 1]) == expected[kind]
        for name, value in apart.items():
            assert profile.median[name] == pytest.approx(value, rel=0.05)
    with translation.override("en"):
        assert cluster_name(figures["clusters"][1]["traits"]) in ("several cars, high car spend",
                                                                  "high car spend, several cars")
        assert cluster_name([]) == "close to the average customer"


def test_customers_that_differ_in_nothing_are_close_to_the_average_and_too_few_are_refused():
    profile = clusters.describe(np.array([TYPICAL] * 60, dtype=float), np.ones(60, dtype=int), 1,
                                clusters.Scale.fitted(np.array([TYPICAL] * 60, dtype=float)))[0]
    assert clusters.traits_of(profile) == []
    with pytest.raises(TooLittleHistory, match="at least 50 needed"):
        clusters.cluster(_groups()[0][:40])


def _clustered(customers):
    """A published clustering of a made-up base of 600, in which the three fixture customers stand,
    each in a cluster of their own, with their own figures."""
    figures = _clustering()[1]
    run = ScoringRun.objects.create(model=ScoreModel.CLUSTER, version="test", as_of=dt.date(2026, 11, 1),
                                    state=ScoringRun.State.PUBLISHED, figures=figures, customers=600)
    own = {"zhang": (30, 14, 1, 2.5, 180_000.0, 12_345.67, 2, 1), "li": (45, 2, 30, 1.5, 5_000_000.0, 2_222.22, 0, 3),
           "wang": (1_800, 1, 1, None, 150_000.0, 987.65, 0, 0)}
    for number, (key, values) in enumerate(own.items(), start=1):
        reasons = [["traits", figures["clusters"][number - 1]["traits"]], ["figures", list(values)]]
        Score.objects.create(run=run, customer=customers[key], value=number, label=str(number), reasons=reasons)
    return run


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_the_clusters_page_answers_what_the_scope_allows(client, users, customers, user_key):
    """Head office and the call center see the whole base's figures; anyone else the figures of the
    customers they may see, computed from those customers' scores alone; a role without scores, 403."""
    run = _clustered(customers)
    user = User.objects.get(pk=users[user_key].pk)
    client.force_login(user)
    response = client.get(reverse("analytics:clusters"), HTTP_ACCEPT_LANGUAGE="en")
    if not may(user, Score.permission_key, "view"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    seen = response.context["seen"]
    if sees_everything(user, Score.permission_key):
        assert seen.whole_base and [profile.size for profile in seen.profiles] == [240, 200, 160]
        return
    mine = {score.customer_id: int(score.value) for score in Score.objects.restrict(user).filter(run=run)}
    assert not seen.whole_base and sum(profile.size for profile in seen.profiles) == len(mine)
    page = response.content.decode()
    for key, money in (("zhang", "CNY 12,345.67"), ("li", "CNY 2,222.22"), ("wang", "CNY 987.65")):
        visible = customers[key].pk in mine
        assert (money in page) == visible, (user_key, key)
        number = int(Score.objects.get(run=run, customer=customers[key]).value)
        assert seen.profiles[number - 1].size == int(visible)


def test_a_dealer_sees_its_customers_figures_and_nobody_sees_clusters_before_the_first_run(client, users, customers):
    client.force_login(users[Role.DEALER_SALES])
    response = client.get(reverse("analytics:clusters"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["seen"] is None and "have not been clustered yet" in response.content.decode()
    _clustered(customers)
    seen = client.get(reverse("analytics:clusters")).context["seen"]
    zhang = seen.profiles[0]  # the dealer's one customer, 张伟, in the workshop regulars' cluster
    assert (zhang.size, zhang.share) == (1, 1.0)
    assert zhang.mean["service_spend"] == zhang.median["service_spend"] == 12_345.67
    assert zhang.deviation["service_visits"] > 1  # measured against the whole base, as the model's clusters are
    assert [profile.size for profile in seen.profiles[1:]] == [0, 0]
