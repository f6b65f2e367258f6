"""The funnel and the forecast over the opportunities a user may see, filtered as the list is (by
dealer, region, model, owner, expected close): per stage the deals, their amount and the amount
weighted by the chance of winning (head office's per stage, or the deal's own; lost deals weigh
nothing), the share of deals that got from each stage to the next, and the days deals stand in
each stage. Three grouped queries whatever the number of deals; read with the whole scope at once
(core.scoping.reading_the_whole_scope)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Case, Count, DecimalField, ExpressionWrapper, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from guanxi.core.models import OrgUnit
from guanxi.core.scoping import reading_the_whole_scope
from guanxi.sales.models import (
    DEFAULT_PROBABILITY,
    FUNNEL_STAGES,
    OpportunityStage,
    OpportunityStep,
    StageProbability,
)

ZERO = Decimal("0")
HUNDRED = Decimal("100.00")
CENT = Decimal("0.01")


@dataclass
class FunnelRow:
    stage: str
    label: str
    count: int
    amount: Decimal
    weighted: Decimal
    probability: int
    reached: int = 0  # deals that got at least this far
    conversion: float | None = None  # share of those that got to the next stage
    average_days: float | None = None


def stage_probabilities() -> dict[str, int]:
    return {**DEFAULT_PROBABILITY, **dict(StageProbability.objects.values_list("stage", "probability"))}


def _weight(probabilities: dict[str, int]):
    by_stage = Case(*(When(stage=stage, then=Value(p)) for stage, p in probabilities.items()),
                    default=Value(0), output_field=IntegerField())
    chance = Case(When(stage=OpportunityStage.LOST, then=Value(0)), When(stage=OpportunityStage.WON, then=Value(100)),
                  default=Coalesce("probability", by_stage), output_field=IntegerField())
    # amount × percent, divided by 100 in Python: SQLite keeps whole amounts as integers and would
    # divide them as integers (140,625 × 10 / 100 = 14,062)
    return ExpressionWrapper(F("amount") * chance, output_field=DecimalField(max_digits=22, decimal_places=2))


def funnel(opportunities) -> list[FunnelRow]:
    """The rows for the funnel stages, then won and lost, over `opportunities` (a restricted,
    filtered queryset)."""
    probabilities = stage_probabilities()
    with reading_the_whole_scope():
        per_stage = {row["stage"]: row for row in opportunities.order_by().values("stage").annotate(
            deals=Count("pk"), total=Sum("amount"), total_weighted=Sum(_weight(probabilities)))}
        reached = opportunities.order_by().aggregate(**{
            f"r{index}": Count("pk", filter=Q(furthest__gte=index)) for index in range(len(FUNNEL_STAGES) + 1)})
        days = dict(OpportunityStep.objects.filter(opportunity__in=opportunities.values("pk"))
                    .exclude(from_stage="").order_by().values("from_stage")
                    .annotate(days=Avg("days_in_previous")).values_list("from_stage", "days"))
    rows = []
    for stage in OpportunityStage:
        found = per_stage.get(stage.value, {})
        weighted = (Decimal(found.get("total_weighted") or ZERO) / HUNDRED).quantize(CENT)
        rows.append(FunnelRow(stage.value, str(stage.label), found.get("deals", 0), found.get("total") or ZERO,
                              weighted, probabilities[stage.value], average_days=days.get(stage.value)))
    for index, row in enumerate(rows[:len(FUNNEL_STAGES)]):
        row.reached = reached[f"r{index}"]
        row.conversion = reached[f"r{index + 1}"] / row.reached if row.reached else None  # the last: to won
    return rows


def forecast(rows: list[FunnelRow]) -> Decimal:
    """The weighted amount of the open deals plus what was won."""
    return sum((row.weighted for row in rows if row.stage != OpportunityStage.LOST), ZERO)


@dataclass
class RegionRow:
    region_id: int
    region: str
    target: Decimal | None
    forecast: Decimal  # open deals expected to close in the month, weighted, plus deals won in it
    won: Decimal

    @property
    def attainment(self) -> float | None:
        return float(self.forecast / self.target) if self.target else None


def month_asked(text: str | None) -> dt.date:
    """The month of a "2026-11" parameter; this month when it is missing or not a month."""
    try:
        return dt.date.fromisoformat(f"{text}-01")
    except (TypeError, ValueError):
        return timezone.localdate().replace(day=1)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    start = month.replace(day=1)
    return start, (start + dt.timedelta(days=32)).replace(day=1)


def against_targets(opportunities, targets, month: dt.date) -> list[RegionRow]:
    """Per region the month's forecast (open deals expected to close in it, weighted, and what was
    won in it) beside head office's target; `opportunities` and `targets` as the user may see them."""
    start, end = month_bounds(month)
    probabilities = stage_probabilities()
    with reading_the_whole_scope():
        expected = dict(opportunities.filter(stage__in=FUNNEL_STAGES, expected_close__gte=start,
                                             expected_close__lt=end)
                        .order_by().values_list("dealer__parent_id").annotate(w=Sum(_weight(probabilities))))
        won = dict(opportunities.filter(stage=OpportunityStage.WON, closed_at__date__gte=start,
                                        closed_at__date__lt=end)
                   .order_by().values_list("dealer__parent_id").annotate(total=Sum("amount")))
    goals = dict(targets.filter(month=start).values_list("region_id", "amount"))
    regions = dict(OrgUnit.objects.filter(pk__in={*expected, *won, *goals} - {None}).values_list("pk", "name"))
    rows = []
    for region_id, name in sorted(regions.items(), key=lambda item: item[1]):
        weighted = (Decimal(expected.get(region_id) or ZERO) / HUNDRED).quantize(CENT)
        closed = Decimal(won.get(region_id) or ZERO)
        rows.append(RegionRow(region_id, name, goals.get(region_id), weighted + closed, closed))
    return rows
