"""The customer clusters as one user may see them, for the clusters page.

The model is the latest published run's: the k it chose, the silhouettes it chose k by, and what
sets each cluster apart, all found over the whole base. The figures (how many customers, their
means and medians) are over the customers the user may see: head office and the call center get
the run's own; anyone else gets them recomputed from the scores of their own customers, which carry
each customer's figures, so that a dealer learns nothing of other dealers' customers.
"""

from dataclasses import dataclass

import numpy as np
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from guanxi.analytics import clusters
from guanxi.analytics.cards import CLUSTER_FEATURE_NAMES, cluster_name
from guanxi.analytics.latest import latest_run
from guanxi.analytics.models import Score, ScoreModel, ScoringRun
from guanxi.core.formatting import money
from guanxi.core.scoping import reading_the_whole_scope, sees_everything
from guanxi.customers.models import default_currency

MONEY = ("sale_spend", "service_spend")


@dataclass(frozen=True)
class SeenClusters:
    run: ScoringRun
    profiles: list  # of clusters.Profile, by number
    traits: list  # per cluster, by number: [[feature, "high" | "low"], ...]
    whole_base: bool  # the figures are the whole base's, not only the user's customers'


def seen_clusters(user) -> SeenClusters | None:
    """The latest published clusters with their figures over the user's customers; None before the first run."""
    run = ScoringRun.objects.filter(pk=latest_run(ScoreModel.CLUSTER)).first()
    if run is None:
        return None
    figures = run.figures
    traits = [cluster["traits"] for cluster in figures["clusters"]]
    if sees_everything(user, Score.permission_key):
        profiles = [clusters.Profile(**{key: value for key, value in cluster.items() if key != "traits"})
                    for cluster in figures["clusters"]]
        return SeenClusters(run, profiles, traits, whole_base=True)
    scale = clusters.Scale.from_figures(figures["scale"])
    with reading_the_whole_scope():
        rows = list(Score.objects.restrict(user).filter(run=run).values_list("value", "reasons").iterator())
    labels = np.array([int(value) for value, _reasons in rows], dtype=int)
    raw = np.array([dict(reasons)["figures"] for _value, reasons in rows], dtype=float).reshape(
        len(rows), len(scale.names))
    return SeenClusters(run, clusters.describe(raw, labels, figures["k"], scale), traits, whole_base=False)


def clusters_page(user) -> dict:
    """The page's context: one column per cluster, one row per feature, and the charts' data."""
    seen = seen_clusters(user)
    if seen is None:
        return {"seen": None}
    run, currency = seen.run, default_currency()
    columns = [{"number": profile.number, "name": cluster_name(traits),
                "size": number_format(profile.size, force_grouping=True),
                "share": number_format(profile.share * 100, 1)} for profile, traits in zip(seen.profiles, seen.traits)]
    names = run.figures["scale"]["names"]
    rows = [{"feature": CLUSTER_FEATURE_NAMES[name],
             "cells": [(_figure(name, profile.mean[name], currency), _figure(name, profile.median[name], currency))
                       for profile in seen.profiles]} for name in names]
    silhouettes = run.figures["silhouettes"]
    chart = {
        "clusters": [f"{column['number']} · {column['name']}" for column in columns],
        "features": [str(CLUSTER_FEATURE_NAMES[name]) for name in names],
        "deviations": [[x, y, round(profile.deviation[name], 2)] for y, profile in enumerate(seen.profiles)
                       for x, name in enumerate(names) if profile.size],
        "k": [int(k) for k in silhouettes], "silhouettes": list(silhouettes.values()), "chosen": run.figures["k"],
        "words": {"deviation": _("standard deviations from the whole base"), "silhouette": _("mean silhouette")},
    }
    return {
        "seen": seen, "columns": columns, "rows": rows, "chart": chart, "k": run.figures["k"],
        "customers": number_format(sum(profile.size for profile in seen.profiles), force_grouping=True),
        "as_of": _("as of %(day)s, model %(version)s") % {"day": date_format(run.as_of, "SHORT_DATE_FORMAT"),
                                                          "version": run.version},
    }


def _figure(feature: str, value, currency: str) -> str:
    if value is None:
        return "—"
    if feature in MONEY:
        return money(round(value, 2), currency)
    return number_format(value, 1, force_grouping=True)
