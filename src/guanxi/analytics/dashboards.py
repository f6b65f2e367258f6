"""The dashboards' query layer: a chart is a measure (what is counted or added up) split by a
dimension, with filters over the same dimensions, all chosen from the catalogue below.

Why a catalogue rather than free queries: every name a user or an API client sends is looked up
here and refused before anything runs, with an error naming the field (a 422 in the API); the
queries are Django's, over the restricted querysets of core.scoping, so identifiers are ours and
values are bound parameters, and a dealer's chart counts the dealer's own customers only, as
every other page does.

Two kinds of measure:
- built here: one grouped query over the rows of a fact the user may see (customers, timeline
  entries, car purchases and service spend on the timeline, the latest published scores), split by
  any dimension of that fact and filtered by any of them;
- taken from the app that computes them (the sales funnel, service levels and satisfaction, the
  contact-center KPIs of the last 7 days), split by what those functions group by and not filtered:
  a dashboard shows their figures, never a second computation of them.

A car purchase and service spend are told apart as the warehouse tells them (analytics.features):
an amount on the timeline is a purchase when it concerns a car whose ownership by the customer
began that day. Every chart is read within a time budget (CHART_SECONDS: the database itself stops
the query) and gives at most ROW_LIMIT groups.
"""

import contextlib
import csv
import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import Avg, Case, Count, Exists, F, FloatField, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from guanxi.analytics.cards import EVALUATION_GRADES, LEVEL_NAMES, RISK_NAMES, SEGMENT_NAMES
from guanxi.analytics.latest import latest_run
from guanxi.analytics.models import Chart, ChartType, Dashboard, Score, ScoreModel
from guanxi.contact_center import kpis
from guanxi.core import validators as V
from guanxi.core.budget import is_over_budget, limit_statements
from guanxi.core.exports import FORMULA_STARTS
from guanxi.core.models import OrgUnit, OrgUnitKind
from guanxi.core.scoping import get_restricted, may, reading_the_whole_scope, require, units_within_reach
from guanxi.customers.models import (
    Channel,
    Customer,
    Direction,
    Interaction,
    Ownership,
    Segment,
    Source,
    Stage,
    Tier,
    Vehicle,
    default_currency,
)
from guanxi.sales import funnel
from guanxi.sales.filtersets import OpportunityFilterSet
from guanxi.sales.models import Opportunity
from guanxi.service import attainment
from guanxi.service.models import Survey, Ticket

CHART_SECONDS = 5.0
SQLITE_CHECK_EVERY = 1_000  # virtual-machine steps between looks at the clock
ROW_LIMIT = 200
MAX_FILTER_VALUES = 50
MAX_OPTIONS = 200  # open values (cities, car models) a form offers, the most frequent first
RECENT_DAYS = 7  # the contact-center measures: the last week, today included
OPTION_MONTHS = 36
MONTH = re.compile(r"(\d{4})-(\d{2})")

COUNT, MONEY, PERCENT, NUMBER, SECONDS = "count", "money", "percent", "number", "seconds"
NONE = pgettext_lazy("a chart's group of rows without a value", "none")
NOT_SCORED = gettext_lazy("not scored")


# --- facts: the rows a built measure counts, as the user may see them -----------------------------


@dataclass(frozen=True)
class Fact:
    permission: str  # the model key whose "view" the rows need
    rows: Callable  # (user) -> the restricted queryset
    customer: str  # the path from a row to its customer's fields: "" or "customer__"
    moment: str = ""  # the time that places a row in a month; none: the month is no dimension of it
    timeline: bool = False  # timeline entries: split by channel, direction and the car they concern
    scored: str = ""  # the latest scores of this model: split by their own label directly

    @property
    def customer_id(self) -> str:
        return "pk" if not self.customer else "customer_id"


def _vehicle_link() -> Q:
    return Q(link_type=ContentType.objects.get_for_model(Vehicle))


def _spend(user):
    """Amounts on the timeline of customers still on file, each marked whether it bought a car."""
    bought = Ownership.objects.filter(customer_id=OuterRef("customer_id"), vehicle_id=OuterRef("link_id"),
                                      start_date=OuterRef("day"))
    return (Interaction.objects.restrict(user).filter(amount__gt=0, customer__erased_at__isnull=True)
            .alias(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
            .alias(bought=Exists(bought)))


def _scores(model: str) -> Fact:
    return Fact(Score.permission_key, lambda user: Score.objects.restrict(user).filter(run_id=latest_run(model)),
                "customer__", scored=model)


CUSTOMERS = Fact(Customer.permission_key,
                 lambda user: Customer.objects.restrict(user).filter(erased_at__isnull=True), "", "created_at")
CONTACTS = Fact(Interaction.permission_key, lambda user: Interaction.objects.restrict(user),
                "customer__", "occurred_at", timeline=True)
PURCHASES = Fact(Interaction.permission_key,
                 lambda user: _spend(user).filter(_vehicle_link(), bought=True), "customer__", "occurred_at",
                 timeline=True)
SERVICE_SPEND = Fact(Interaction.permission_key,
                     lambda user: _spend(user).exclude(_vehicle_link(), bought=True), "customer__", "occurred_at",
                     timeline=True)


# --- dimensions: what a measure is split and filtered by -------------------------------------------


class Dimension:
    """A way to split rows. `expression(fact)` is the group of a row (None: no dimension of the
    fact); `parse` checks one filter value (ValueError naming it); `options(user)` are the values a
    form offers; `names(keys)` the groups' labels."""

    order = "value"  # groups ordered by their figure, largest first; "choices": as listed; "time"
    none = NONE
    permission = ""  # the model key whose "view" splitting by it needs besides the measure's

    def readable_by(self, user) -> bool:
        return not self.permission or may(user, self.permission, "view")

    def __init__(self, key: str, label, choices: dict | None = None):
        self.key, self.label, self.choices = key, label, choices
        if choices is not None:
            self.order = "choices"

    def expression(self, fact: Fact):
        raise NotImplementedError

    def parse(self, value):
        if self.choices is not None:
            if not isinstance(value, str) or value not in self.choices:
                raise ValueError(value)
            return value
        if not isinstance(value, str) or not 0 < len(value) <= 80:
            raise ValueError(value)
        try:
            V.printable_line(value)
        except ValidationError as invisible:
            raise ValueError(value) from invisible
        return value

    def narrow(self, rows, fact: Fact, values: list):
        return rows.alias(**{f"kept_{self.key}": self.expression(fact)}).filter(**{f"kept_{self.key}__in": values})

    def options(self, user) -> list[tuple]:
        return [(value, str(name)) for value, name in (self.choices or {}).items()]

    def key_of(self, value):
        return value

    def names(self, keys: list) -> dict:
        return {key: self.name(key) for key in keys}

    def name(self, key) -> str:
        if key in (None, ""):
            return str(self.none)
        return str((self.choices or {}).get(key, key))


class CustomerField(Dimension):
    """A field of the customer (tier, city …)."""

    def __init__(self, key: str, label, field: str, choices: dict | None = None):
        super().__init__(key, label, choices)
        self.field = field

    def expression(self, fact: Fact):
        return F(fact.customer + self.field)

    def options(self, user) -> list[tuple]:
        if self.choices is not None:
            return super().options(user)
        found = (Customer.objects.restrict(user).exclude(**{self.field: ""}).order_by().values_list(self.field)
                 .annotate(customers=Count("pk")).order_by("-customers", self.field))
        return [(value, value) for value, _count in _within_budget(lambda: list(found[:MAX_OPTIONS]))]


class UnitField(Dimension):
    """The customer's home dealer, or its region (the dealer's parent)."""

    def __init__(self, key: str, label, path: str, kind: str):
        super().__init__(key, label)
        self.path, self.kind = path, kind

    def expression(self, fact: Fact):
        return F(fact.customer + self.path)

    def parse(self, value):
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
            raise ValueError(value)
        if not 0 < int(value) < 2**63:  # an id; a larger number would overflow the database's integers
            raise ValueError(value)
        return int(value)

    def options(self, user) -> list[tuple]:
        units = units_within_reach(OrgUnit.objects.filter(kind=self.kind), user, Customer.permission_key, "view")
        return list(units.order_by("name").values_list("pk", "name")[:MAX_OPTIONS * 5])

    def names(self, keys: list) -> dict:
        named = dict(OrgUnit.objects.filter(pk__in=[key for key in keys if key is not None]).values_list("pk", "name"))
        return {key: named.get(key, str(self.none)) for key in keys}


class ScoreLabel(Dimension):
    """The customer's label in the latest published run of a model (RFM segment, value level, churn risk,
    evaluation grade)."""

    none = NOT_SCORED
    permission = Score.permission_key

    def __init__(self, key: str, label, model: str, choices: dict):
        super().__init__(key, label, choices)
        self.model = model

    def expression(self, fact: Fact):
        if fact.scored == self.model:
            return F("label")
        same_customer = Score.objects.filter(run_id=latest_run(self.model), customer_id=OuterRef(fact.customer_id))
        return Subquery(same_customer.values("label")[:1])


class Month(Dimension):
    """The month a row happened in, in the reader's time zone: customers by the month they were
    added, timeline entries by the month they happened; scores have none."""

    order = "time"

    def expression(self, fact: Fact):
        return TruncMonth(fact.moment, tzinfo=timezone.get_current_timezone()) if fact.moment else None

    def parse(self, value):
        matched = MONTH.fullmatch(value) if isinstance(value, str) else None
        if not matched or int(matched[1]) not in range(1900, 2101) or not 1 <= int(matched[2]) <= 12:
            raise ValueError(value)
        return value

    def narrow(self, rows, fact: Fact, values: list):
        zone, within = timezone.get_current_timezone(), Q()
        for value in values:
            start = dt.datetime.strptime(value, "%Y-%m").replace(tzinfo=zone)
            end = (start + dt.timedelta(days=32)).replace(day=1)
            within |= Q(**{f"{fact.moment}__gte": start, f"{fact.moment}__lt": end})
        return rows.filter(within)

    def options(self, user) -> list[tuple]:
        month = timezone.localdate().replace(day=1)
        shown = []
        for _step in range(OPTION_MONTHS):
            shown.append((f"{month:%Y-%m}", f"{month:%Y-%m}"))
            month = (month - dt.timedelta(days=1)).replace(day=1)
        return shown

    def key_of(self, value):
        if isinstance(value, dt.datetime):
            value = timezone.localtime(value)
        return None if value is None else f"{value:%Y-%m}"


class CarModel(Dimension):
    """The car: the one a timeline entry concerns; for a customer, the newest car they own now."""

    permission = Vehicle.permission_key

    def expression(self, fact: Fact):
        if fact.timeline:
            concerned = Vehicle.objects.filter(pk=OuterRef("link_id")).values("model")[:1]
            return Case(When(_vehicle_link(), then=Subquery(concerned)), default=Value(None))
        newest = (Ownership.objects.filter(customer_id=OuterRef(fact.customer_id), end_date__isnull=True)
                  .order_by("-start_date", "-id").values("vehicle__model")[:1])
        return Subquery(newest)

    def options(self, user) -> list[tuple]:
        found = (Vehicle.objects.restrict(user).order_by().values_list("model").annotate(cars=Count("pk"))
                 .order_by("-cars", "model"))
        return [(value, value) for value, _count in _within_budget(lambda: list(found[:MAX_OPTIONS]))]


class TimelineField(Dimension):
    """A field of the timeline entry itself (its channel, its direction)."""

    def __init__(self, key: str, label, field: str, choices: dict):
        super().__init__(key, label, choices)
        self.field = field

    def expression(self, fact: Fact):
        return F(self.field) if fact.timeline else None


class Provided(Dimension):
    """What a measure computed by another app is grouped by: no expression, no filter."""

    def expression(self, fact: Fact):
        return None


def _labels(choices) -> dict:
    return dict(choices.choices) if hasattr(choices, "choices") else dict(choices)


DIMENSIONS = {dimension.key: dimension for dimension in (
    Month("month", gettext_lazy("month")),
    UnitField("dealer", gettext_lazy("home dealer"), "home_dealer_id", OrgUnitKind.DEALER),
    UnitField("region", gettext_lazy("region"), "home_dealer__parent_id", OrgUnitKind.REGION),
    CustomerField("province", gettext_lazy("province"), "province"),
    CustomerField("city", gettext_lazy("city"), "city"),
    CustomerField("tier", gettext_lazy("tier"), "tier", _labels(Tier)),
    CustomerField("stage", gettext_lazy("lifecycle stage"), "lifecycle_stage", _labels(Stage)),
    CustomerField("segment", gettext_lazy("customer segment"), "segment", _labels(Segment)),
    CustomerField("source", gettext_lazy("source"), "source", _labels(Source)),
    ScoreLabel("rfm", gettext_lazy("RFM segment"), ScoreModel.RFM, SEGMENT_NAMES),
    ScoreLabel("pyramid", gettext_lazy("value level"), ScoreModel.PYRAMID, LEVEL_NAMES),
    ScoreLabel("churn", gettext_lazy("churn risk"), ScoreModel.CHURN, RISK_NAMES),
    ScoreLabel("evaluation", gettext_lazy("evaluation grade"), ScoreModel.EVALUATION, EVALUATION_GRADES),
    CarModel("car_model", gettext_lazy("car model")),
    TimelineField("channel", gettext_lazy("channel"), "channel", _labels(Channel)),
    TimelineField("direction", gettext_lazy("direction"), "direction", _labels(Direction)),
    Provided("deal_stage", gettext_lazy("deal stage")),
    Provided("ticket_kind", gettext_lazy("ticket type and tier")),
    Provided("service_unit", gettext_lazy("responsible unit")),
    Provided("station", gettext_lazy("service station")),
    Provided("contact_channel", gettext_lazy("contact-center channel")),
    Provided("contact_tier", gettext_lazy("caller's tier")),
    Provided("queue", gettext_lazy("queue")),
    Provided("agent", gettext_lazy("agent")),
)}


# --- measures from the apps that compute them ------------------------------------------------------


def _funnel(figure: str):
    def rows(user, dimension: str) -> list[tuple]:
        deals = Opportunity.objects.restrict(user)
        stages = funnel.funnel_for(user, OpportunityFilterSet(None, queryset=deals, request=SimpleNamespace(user=user)))
        return [(row.stage, row.label, getattr(row, figure)) for row in stages]
    return rows


def _service_levels(figure: str):
    def rows(user, dimension: str) -> list[tuple]:
        by = "unit" if dimension == "service_unit" else "kind"
        found = attainment.labelled(attainment.attainment(Ticket.objects.restrict(user), by), by)
        return [(row["org_unit_id"] if by == "unit" else f"{row['kind']}.{row['tier']}", row["label"], row[figure])
                for row in found]
    return rows


def _satisfaction(figure: str):
    def rows(user, dimension: str) -> list[tuple]:
        ranked = attainment.satisfaction(Survey.objects.restrict(user))
        return [(row["label"], row["label"], row[figure]) for row in ranked]
    return rows


CONTACT_CENTER_BY = {"contact_channel": "channel", "contact_tier": "tier", "queue": "queue", "agent": "agent"}


def _contact_center(figure: str, scale: float = 1):
    def rows(user, dimension: str) -> list[tuple]:
        first = timezone.localdate() - dt.timedelta(days=RECENT_DAYS - 1)
        result = kpis.contact_center_kpis(user, day=first, days=RECENT_DAYS, by=CONTACT_CENTER_BY[dimension])
        return [(row["key"], row["label"], None if row[figure] is None else row[figure] * scale)
                for row in result["rows"]]
    return rows


# --- measures ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    section: str
    unit: str
    fact: Fact | None = None
    aggregate: Callable | None = None  # () -> the aggregate over the fact's rows
    scale: float = 1  # shares kept as 0–1 are shown as percents
    provider: Callable | None = None  # (user, dimension key) -> [(key, label, value)] from the app computing it
    provided_by: tuple[str, ...] = ()  # the dimensions the provider groups by
    needs: tuple[str, str] | None = None  # the provider's permission
    additive: bool = True  # a count or a sum (an empty month counts 0), not an average

    def dimensions(self) -> list[Dimension]:
        if self.provider is not None:
            return [DIMENSIONS[key] for key in self.provided_by]
        return [dimension for dimension in DIMENSIONS.values() if dimension.expression(self.fact) is not None]

    def readable_by(self, user) -> bool:
        return may(user, *(self.needs or (self.fact.permission, "view")))


CUSTOMERS_SECTION = gettext_lazy("Customers")
REVENUE_SECTION = gettext_lazy("Revenue and contacts")
SCORES_SECTION = gettext_lazy("Scores")
SALES_SECTION = gettext_lazy("Sales funnel")
SERVICE_SECTION = gettext_lazy("Service")
CONTACT_CENTER_SECTION = gettext_lazy("Contact center, last 7 days")
DEALS = ("deal_stage",)
TICKETS = ("ticket_kind", "service_unit")
CONTACT_CENTER = tuple(CONTACT_CENTER_BY)
AT_RISK = Case(When(label__in=("high", "medium"), then=Value(1.0)), default=Value(0.0), output_field=FloatField())


def _provided(key, label, section, unit, provider, by, needs) -> Measure:
    return Measure(key, label, section, unit, provider=provider, provided_by=by, needs=needs)


MEASURES = {measure.key: measure for measure in (
    Measure("customers", pgettext_lazy("a dashboard measure", "Customers"), CUSTOMERS_SECTION, COUNT, CUSTOMERS,
            lambda: Count("pk")),
    Measure("average_spend", gettext_lazy("Average spend to date"), CUSTOMERS_SECTION, MONEY, CUSTOMERS,
            lambda: Avg("lifetime_spend"), additive=False),
    Measure("sales_revenue", gettext_lazy("Car sales revenue"), REVENUE_SECTION, MONEY, PURCHASES,
            lambda: Sum("amount")),
    Measure("purchases", gettext_lazy("Cars bought"), REVENUE_SECTION, COUNT, PURCHASES, lambda: Count("pk")),
    Measure("service_revenue", gettext_lazy("Service revenue"), REVENUE_SECTION, MONEY, SERVICE_SPEND,
            lambda: Sum("amount")),
    Measure("service_visits", gettext_lazy("Paid service visits"), REVENUE_SECTION, COUNT, SERVICE_SPEND,
            lambda: Count("pk")),
    Measure("contacts", gettext_lazy("Contacts on the timeline"), REVENUE_SECTION, COUNT, CONTACTS,
            lambda: Count("pk")),
    Measure("average_clv", gettext_lazy("Average lifetime value"), SCORES_SECTION, MONEY, _scores(ScoreModel.CLV),
            lambda: Avg("value"), additive=False),
    Measure("total_clv", gettext_lazy("Total lifetime value"), SCORES_SECTION, MONEY, _scores(ScoreModel.CLV),
            lambda: Sum("value")),
    Measure("profit", gettext_lazy("Profit contributed"), SCORES_SECTION, MONEY, _scores(ScoreModel.PYRAMID),
            lambda: Sum("value")),
    Measure("churn_risk", gettext_lazy("Average churn risk"), SCORES_SECTION, PERCENT, _scores(ScoreModel.CHURN),
            lambda: Avg("value"), scale=100, additive=False),
    Measure("at_risk_share", gettext_lazy("Share of owners at risk"), SCORES_SECTION, PERCENT,
            _scores(ScoreModel.CHURN), lambda: Avg(AT_RISK), scale=100, additive=False),
    Measure("repurchase_likelihood", gettext_lazy("Average likelihood to replace the car"), SCORES_SECTION, PERCENT,
            _scores(ScoreModel.REPURCHASE), lambda: Avg("value"), scale=100, additive=False),
    Measure("evaluation", gettext_lazy("Average customer evaluation (0-100)"), SCORES_SECTION, NUMBER,
            _scores(ScoreModel.EVALUATION), lambda: Avg("value"), additive=False),
    _provided("deals", gettext_lazy("Deals"), SALES_SECTION, COUNT, _funnel("count"), DEALS,
              ("sales.opportunity", "view")),
    _provided("deal_amount", gettext_lazy("Deal amount"), SALES_SECTION, MONEY, _funnel("amount"), DEALS,
              ("sales.opportunity", "view")),
    _provided("weighted_amount", gettext_lazy("Weighted deal amount"), SALES_SECTION, MONEY, _funnel("weighted"),
              DEALS, ("sales.opportunity", "view")),
    _provided("tickets", gettext_lazy("Tickets opened"), SERVICE_SECTION, COUNT, _service_levels("opened"), TICKETS,
              (Ticket.permission_key, "view")),
    _provided("response_in_time", gettext_lazy("First response in time"), SERVICE_SECTION, PERCENT,
              _service_levels("response_share"), TICKETS, (Ticket.permission_key, "view")),
    _provided("resolution_in_time", gettext_lazy("Resolved in time"), SERVICE_SECTION, PERCENT,
              _service_levels("resolution_share"), TICKETS, (Ticket.permission_key, "view")),
    _provided("csat", gettext_lazy("Average satisfaction (CSAT)"), SERVICE_SECTION, NUMBER, _satisfaction("csat"),
              ("station",), (Survey.permission_key, "view")),
    _provided("nps", gettext_lazy("Net promoter score"), SERVICE_SECTION, NUMBER, _satisfaction("nps"),
              ("station",), (Survey.permission_key, "view")),
    _provided("offered", pgettext_lazy("contact-center figures", "Contacts offered"), CONTACT_CENTER_SECTION, COUNT,
              _contact_center("offered"), CONTACT_CENTER, ("contact_center.staffing", "view")),
    _provided("answered", pgettext_lazy("contact-center figures", "Contacts answered"), CONTACT_CENTER_SECTION,
              COUNT, _contact_center("answered"), CONTACT_CENTER, ("contact_center.staffing", "view")),
    _provided("service_level", gettext_lazy("Service level"), CONTACT_CENTER_SECTION, PERCENT,
              _contact_center("service_level", 100), CONTACT_CENTER, ("contact_center.staffing", "view")),
    _provided("asa", gettext_lazy("Average speed of answer"), CONTACT_CENTER_SECTION, SECONDS,
              _contact_center("asa_seconds"), CONTACT_CENTER, ("contact_center.staffing", "view")),
    _provided("abandonment", gettext_lazy("Abandonment"), CONTACT_CENTER_SECTION, PERCENT,
              _contact_center("abandonment", 100), CONTACT_CENTER, ("contact_center.staffing", "view")),
)}


def describe(measure: str, dimension: str) -> str:
    """A chart's name from its parts: "Customers by tier"."""
    measured, split = MEASURES.get(measure), DIMENSIONS.get(dimension)
    return _("%(measure)s by %(dimension)s") % {"measure": measured.label if measured else measure,
                                                "dimension": split.label if split else dimension}


def readable_measures(user) -> list[Measure]:
    return [measure for measure in MEASURES.values() if measure.readable_by(user)]


# --- checking a definition ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    measure: Measure
    dimension: Dimension
    filters: dict  # dimension key -> the values kept, checked


def check(measure, dimension, filters) -> Definition:
    """The definition, or a ValidationError naming each field outside the catalogue ("measure",
    "dimension", "filters.<name>"), before any query runs."""
    errors = {}
    measured = MEASURES.get(measure) if isinstance(measure, str) else None
    split = DIMENSIONS.get(dimension) if isinstance(dimension, str) else None
    if measured is None:
        errors["measure"] = _("There is no measure “%(name)s”. Choose one of: %(choices)s.") % {
            "name": measure, "choices": ", ".join(MEASURES)}
    if split is None:
        errors["dimension"] = _("There is no dimension “%(name)s”. Choose one of: %(choices)s.") % {
            "name": dimension, "choices": ", ".join(DIMENSIONS)}
    elif measured is not None and split not in measured.dimensions():
        errors["dimension"] = _("%(measure)s cannot be split by %(dimension)s. Choose one of: %(choices)s.") % {
            "measure": measured.label, "dimension": split.label,
            "choices": ", ".join(option.key for option in measured.dimensions())}
    kept = {}
    if not isinstance(filters, dict):
        errors["filters"] = _("Filters are dimensions with the values to keep, e.g. {\"tier\": [\"vip\"]}.")
        filters = {}
    for name, values in filters.items():
        field, narrowing = f"filters.{name}", DIMENSIONS.get(name)
        if narrowing is None:
            errors[field] = _("There is no filter “%(name)s”. Filter by one of: %(choices)s.") % {
                "name": name, "choices": ", ".join(key for key, found in DIMENSIONS.items()
                                                   if not isinstance(found, Provided))}
        elif measured is not None and (measured.provider is not None or narrowing not in measured.dimensions()):
            errors[field] = _("%(measure)s cannot be filtered by %(dimension)s.") % {
                "measure": measured.label, "dimension": narrowing.label}
        else:
            try:
                kept[name] = _values(narrowing, values)
            except ValueError as wrong:
                errors[field] = str(wrong)
    if errors:
        raise ValidationError(errors)
    return Definition(measured, split, kept)


def _values(dimension: Dimension, values) -> list:
    values = values if isinstance(values, list) else [values]
    if not 1 <= len(values) <= MAX_FILTER_VALUES:
        raise ValueError(_("Keep 1 to %(max)s values.") % {"max": MAX_FILTER_VALUES})
    kept = []
    for value in values:
        try:
            kept.append(dimension.parse(value))
        except ValueError:
            raise ValueError(_("“%(value)s” is not a value of %(dimension)s.") % {
                "value": value, "dimension": dimension.label}) from None
    return list(dict.fromkeys(kept))


# --- running a chart -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartData:
    measure: Measure
    dimension: Dimension
    rows: list  # (key, label, value), in the order shown
    truncated: bool  # more groups than ROW_LIMIT: the first ones are shown

    @property
    def currency(self) -> str:
        return default_currency()


def chart_data(user, measure, dimension, filters) -> ChartData:
    """The chart's figures over what the user may see. ValidationError for a name outside the
    catalogue, PermissionDenied where the user's roles may not read the measure; over the time
    budget the database stops the query (OperationalError, core.budget.is_over_budget)."""
    definition = _readable(user, check(measure, dimension, filters))
    with time_budget(chart_seconds()):
        if definition.measure.provider is not None:
            rows = definition.measure.provider(user, definition.dimension.key)
            truncated, rows = len(rows) > ROW_LIMIT, rows[:ROW_LIMIT]
        else:
            rows, truncated = _grouped(user, definition)
    return ChartData(definition.measure, definition.dimension, [(key, label, _plain(value, definition.measure))
                                                                for key, label, value in rows], truncated)


def _grouped(user, definition: Definition) -> tuple[list, bool]:
    measure, dimension, fact = definition.measure, definition.dimension, definition.measure.fact
    rows = fact.rows(user)
    for name, values in definition.filters.items():
        rows = DIMENSIONS[name].narrow(rows, fact, values)
    grouped = (rows.annotate(bucket=dimension.expression(fact)).order_by().values("bucket")
               .annotate(figure=measure.aggregate()))
    if dimension.order == "value":
        grouped = grouped.order_by(F("figure").desc(nulls_last=True), "bucket")
    elif dimension.order == "time":
        grouped = grouped.order_by("bucket")
    with reading_the_whole_scope():
        found = [(dimension.key_of(row["bucket"]), row["figure"]) for row in grouped[:ROW_LIMIT + 1]]
    if dimension.order == "time":
        found = _every_month(found, 0 if measure.additive else None)
    elif dimension.order == "choices":
        listed = list(dimension.choices)
        found.sort(key=lambda row: listed.index(row[0]) if row[0] in listed else len(listed))
    names = dimension.names([key for key, _figure in found])
    return [(key, names[key], figure) for key, figure in found[:ROW_LIMIT]], len(found) > ROW_LIMIT


def _every_month(found: list, nothing) -> list:
    """The months from the first to the last with rows, those without any given `nothing` (0 for a
    count or a sum, None for an average), so that a line does not jump over them."""
    figures = dict(found)
    shown, month = [], found[0][0] if found else None
    while month is not None and len(shown) <= ROW_LIMIT:
        shown.append((month, figures.get(month, nothing)))
        year, number = int(month[:4]), int(month[5:])
        month = None if month >= found[-1][0] else f"{year + number // 12:04d}-{number % 12 + 1:02d}"
    return shown


def _plain(value, measure: Measure):
    """A figure as the chart, the table and the CSV give it: counts whole, money to the cent, other
    figures to a tenth (shares in percent)."""
    if value is None:
        return None
    if measure.unit == COUNT:
        return int(value)
    return round(float(value) * measure.scale, 2 if measure.unit == MONEY else 1)


def chart_seconds() -> float:
    """The chart's budget, never more than a page's (GUANXI_DB_SECONDS) where one is set."""
    return min(CHART_SECONDS, settings.GUANXI_DB_SECONDS or CHART_SECONDS)


@contextlib.contextmanager
def time_budget(seconds: float):
    """The database stops the work of the block past `seconds`: PostgreSQL by the transaction's
    statement_timeout, SQLite by a progress handler. Tighter than a page's budget (core.budget), so
    that one slow chart leaves the others of the dashboard their time; the page's own budget is
    put back afterwards."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('statement_timeout')")
            before = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{max(1, round(seconds * 1000))}ms"])
            yield
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [before])
        return
    deadline = time.monotonic() + seconds
    raw = connection.connection
    raw.set_progress_handler(lambda: time.monotonic() > deadline, SQLITE_CHECK_EVERY)
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)
        limit_statements(None, connection)


def _within_budget(read: Callable[[], list]) -> list:
    """A form's offered values, read within a chart's budget; none where the database stops the read."""
    try:
        with time_budget(chart_seconds()), reading_the_whole_scope():
            return read()
    except OperationalError as stopped:
        if is_over_budget(stopped):
            return []
        raise


def _unit(data: ChartData) -> str:
    return {MONEY: data.currency, PERCENT: "%", SECONDS: "s"}.get(data.measure.unit, "")


def write_csv(data: ChartData, out) -> None:
    """The chart as two columns, the dimension and the measure (its unit in the heading); a label a
    spreadsheet would run as a formula is written as text."""
    unit = _unit(data)
    heading = f"{data.measure.label} ({unit})" if unit else str(data.measure.label)
    writer = csv.writer(out)
    writer.writerow([capfirst(str(data.dimension.label)), heading])
    for _key, label, value in data.rows:
        text = str(label)
        writer.writerow([f"'{text}" if text.startswith(FORMULA_STARTS) else text, "" if value is None else value])


# --- saving ------------------------------------------------------------------------------------------


def create_dashboard(user, data: dict) -> Dashboard:
    """A dashboard of the user's own; roles without the dashboards' "add" are refused (403)."""
    require(user, Dashboard.permission_key, "add")
    dashboard = Dashboard(owner=user, name=data["name"], shared=data.get("shared", False), order=data.get("order", 0))
    dashboard.full_clean()
    dashboard.save()
    return dashboard


def _readable(user, definition):
    """The definition, if the user's roles may read its measure and every dimension it splits or filters by (what
    the page's form offers); PermissionDenied otherwise."""
    splits = [definition.dimension, *(DIMENSIONS[name] for name in definition.filters)]
    if not definition.measure.readable_by(user) or not all(split.readable_by(user) for split in splits):
        raise PermissionDenied(_("Your role may not see these figures."))
    return definition


def add_chart(user, dashboard_pk: int, data: dict) -> Chart:
    """A chart on one of the user's dashboards (404 for any other), checked against the catalogue
    first; at the end unless a position is given."""
    dashboard = get_restricted(user, Dashboard, dashboard_pk, "change")
    definition = _readable(user, check(data["measure"], data["dimension"], data.get("filters", {})))
    position = data.get("position")
    if position is None:
        last = dashboard.charts.aggregate(last=Max("position"))["last"]
        position = 0 if last is None else last + 1
    chart = Chart(dashboard=dashboard, title=data.get("title", ""), measure=definition.measure.key,
                  dimension=definition.dimension.key, filters=definition.filters,
                  chart_type=data.get("chart_type", ChartType.BAR), position=position)
    chart.full_clean()
    chart.save()
    return chart
