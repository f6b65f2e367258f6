"""Reading the published scores, for pages: only models and Django here, so that a web worker
starting up does not import scikit-learn, scipy, DuckDB and pyarrow, which only scoring needs."""

from django.db.models import OuterRef, Q, Subquery

from guanxi.analytics.models import Score, ScoreModel, ScoringRun


def latest_run(model: str):
    """The id of the model's latest published run, as a subquery: the newest day scored (a run
    back-dated to study the past does not replace it)."""
    return Subquery(ScoringRun.objects.filter(model=model, state=ScoringRun.State.PUBLISHED)
                    .order_by("-as_of", "-id").values("id")[:1])


# The value pyramid's levels as the tiers routing knows (customers.models.Tier).
PYRAMID_TIERS = {"vip": "vip", "a": "gold", "b": "silver", "c": "standard"}


def standing(customer_id: int) -> tuple[str | None, float | None]:
    """The customer's tier by the value pyramid and lifetime value in the latest published runs (None where
    not scored): what the contact center serves a caller by (contact_center.services.routing_standing)."""
    rows = (Score.objects.filter(Q(run_id=latest_run(ScoreModel.PYRAMID)) | Q(run_id=latest_run(ScoreModel.CLV)),
                                 customer_id=customer_id).values_list("run__model", "label", "value"))
    found = {model: (label, value) for model, label, value in rows}
    pyramid, clv = found.get(ScoreModel.PYRAMID), found.get(ScoreModel.CLV)
    return (PYRAMID_TIERS.get(pyramid[0]) if pyramid else None), (clv[1] if clv else None)


def latest_scores(customer_id: int) -> list[tuple[ScoringRun, Score]]:
    """The customer's score in the latest published run of each model, in the models' order."""
    newest = Q()
    for model in ScoreModel:
        newest |= Q(run_id=latest_run(model))
    scores = Score.objects.filter(newest, customer_id=customer_id).select_related("run")
    order = list(ScoreModel.values)
    return sorted(((score.run, score) for score in scores), key=lambda pair: order.index(pair[0].model))


def retention_rows(scores):
    """Owners at high or medium risk in the latest churn run, riskiest first, each with their value
    level and lifetime value from the latest runs of those models (`scores` is already restricted)."""
    def latest_of(model: str, field: str):
        same_customer = Score.objects.filter(run_id=latest_run(model), customer_id=OuterRef("customer_id"))
        return Subquery(same_customer.values(field)[:1])

    return (scores.filter(run_id=latest_run(ScoreModel.CHURN), label__in=("high", "medium"))
            .annotate(value_level=latest_of(ScoreModel.PYRAMID, "label"),
                      lifetime_value=latest_of(ScoreModel.CLV, "value"))
            .select_related("customer__home_dealer").order_by("-value", "pk"))
