"""The funnel and the forecast over the opportunities a user may see, filtered as the list is (by
dealer, region, model, owner, expected close): per stage the deals, their amount and the amount
weighted by the chance of winning (head office's per stage, or the deal's own; lost deals weigh
nothing), the share of deals that got from each stage to the next, and the days deals stand in
each stage. One grouped query whatever the number of deals; read with the whole scope at once
(core.scoping.reading_the_whole_scope)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from guanxi.core.models import OrgUnit
from guanxi.core.scoping import reading_the_whole_scope
from guanxi.sales.models import (
    DAYS_IN_STAGE,
    DEFAULT_PROBABILITY,
    FUNNEL_STAGES,
    FunnelCell,
    OpportunityStage,
    StageProbability,
)

CELL_FILTERS = {"stage", "dealer", "region", "model"}  # what the funnel's cells can be filtered by
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


def _chance(stage: str, own: int | None, probabilities: dict[str, int]) -> int:
    """The percent a deal in `stage` counts with: its own probability, else head office's for the
    stage; lost deals nothing, won deals all."""
    if stage in (OpportunityStage.LOST, OpportunityStage.WON):
        return probabilities[stage]
    return own if own is not None else probabilities[stage]


def _weighted(groups, probabilities: dict[str, int]) -> Decimal:
    """The amounts of (stage, own probability) groups weighted by their chance, to the cent."""
    total = sum((Decimal(group["total"] or ZERO) * _chance(group["stage"], group["probability"], probabilities)
                 for group in groups), ZERO)
    return (total / HUNDRED).quantize(CENT)


def funnel(opportunities) -> list[FunnelRow]:
    """The rows for the funnel stages, then won and lost, over `opportunities` (a restricted,
    filtered queryset). One grouped pass over the deals: by stage, furthest stage reached and own
    probability (a few dozen groups), weighed here, so the database adds up amounts and days and
    never multiplies per deal (for one dealer PostgreSQL reads it from an index alone)."""
    days = {f"{stage}_sum": Sum(field) for stage, field in DAYS_IN_STAGE.items()}
    days |= {f"{stage}_left": Count(field) for stage, field in DAYS_IN_STAGE.items()}
    with reading_the_whole_scope():
        groups = list(opportunities.order_by().values("stage", "furthest", "probability")
                      .annotate(deals=Count("*"), total=Sum("amount"), **days))
    return _rows(groups)


def funnel_for(user, filterset) -> list[FunnelRow]:
    """The funnel of what `filterset` (an OpportunityFilterSet over the deals the user may see)
    gives. On PostgreSQL, when only filters the funnel's cells know are used (stage, dealer,
    region, model), the cells are added up instead of the deals: a few thousand rows where head
    office has a million deals. The deals are read otherwise, and always on SQLite."""
    cleaned = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    asked = {name for name, value in cleaned.items() if value not in (None, "", False)}
    if connection.vendor != "postgresql" or (filterset.is_bound and not filterset.is_valid()) or asked - CELL_FILTERS:
        return funnel(filterset.qs)
    cells = FunnelCell.objects.restrict(user, "view")
    if cleaned.get("stage"):
        cells = cells.filter(stage=cleaned["stage"])
    if cleaned.get("dealer"):
        cells = cells.filter(dealer=cleaned["dealer"])
    if cleaned.get("region"):
        cells = cells.filter(dealer__parent=cleaned["region"])
    if cleaned.get("model"):
        cells = cells.filter(model__startswith=cleaned["model"])
    days = {f"{stage}_sum": Sum(field) for stage, field in DAYS_IN_STAGE.items()}
    days |= {f"{stage}_left": Sum(f"left_{stage}") for stage in DAYS_IN_STAGE}
    with reading_the_whole_scope():
        groups = list(cells.filter(deals__gt=0).order_by().values("stage", "furthest", "probability")
                      .annotate(deals=Sum("deals"), total=Sum("amount"), **days))
    for group in groups:
        if group["probability"] == FunnelCell.OWN_PROBABILITY_UNSET:
            group["probability"] = None
    return _rows(groups)


def _rows(groups: list[dict]) -> list[FunnelRow]:
    """Funnel rows from (stage, furthest, own probability) groups of deals with their count,
    amount, and the days and number of deals that left each stage."""
    probabilities = {**stage_probabilities(), OpportunityStage.LOST: 0, OpportunityStage.WON: 100}
    rows = []
    for stage in OpportunityStage:
        mine = [group for group in groups if group["stage"] == stage.value]
        left = sum(group.get(f"{stage.value}_left") or 0 for group in groups)
        standing = sum(group.get(f"{stage.value}_sum") or 0 for group in groups)
        rows.append(FunnelRow(stage.value, str(stage.label), sum(group["deals"] for group in mine),
                              sum((group["total"] or ZERO for group in mine), ZERO), _weighted(mine, probabilities),
                              probabilities[stage.value], average_days=standing / left if left else None))
    reached = [sum(group["deals"] for group in groups if group["furthest"] >= index)
               for index in range(len(FUNNEL_STAGES) + 1)]
    for index, row in enumerate(rows[:len(FUNNEL_STAGES)]):
        row.reached = reached[index]
        row.conversion = reached[index + 1] / row.reached if row.reached else None  # the last: to won
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
    zone = timezone.get_current_timezone()
    opened, closed = (dt.datetime.combine(day, dt.time(), tzinfo=zone) for day in (start, end))
    with reading_the_whole_scope():
        expected = list(opportunities.filter(stage__in=FUNNEL_STAGES, expected_close__gte=start,
                                             expected_close__lt=end)
                        .order_by().values("dealer__parent_id", "stage", "probability").annotate(total=Sum("amount")))
        won = dict(opportunities.filter(stage=OpportunityStage.WON, closed_at__gte=opened, closed_at__lt=closed)
                   .order_by().values_list("dealer__parent_id").annotate(total=Sum("amount")))
    weighted = {}
    for region_id in {group["dealer__parent_id"] for group in expected}:
        weighted[region_id] = _weighted([group for group in expected if group["dealer__parent_id"] == region_id],
                                        probabilities)
    goals = dict(targets.filter(month=start).values_list("region_id", "amount"))
    regions = dict(OrgUnit.objects.filter(pk__in={*weighted, *won, *goals} - {None}).values_list("pk", "name"))
    rows = []
    for region_id, name in sorted(regions.items(), key=lambda item: item[1]):
        won_amount = Decimal(won.get(region_id) or ZERO)
        rows.append(RegionRow(region_id, name, goals.get(region_id), weighted.get(region_id, ZERO) + won_amount,
                              won_amount))
    return rows
