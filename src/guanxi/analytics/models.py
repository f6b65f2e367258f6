"""Scores live here, never on the audited customer row: each scoring run of a model is kept with
its version, date and figures, and its scores with it; pages show the latest published run.
Dashboards and their charts are kept here as definitions only: the figures are computed for each
viewer (analytics.dashboards)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanxi.core import validators as V
from guanxi.core.scoping import RestrictedQuerySet, may
from guanxi.customers.models import Customer, via_customer_scope_q


class ScoreModel(models.TextChoices):
    RFM = "rfm", _("RFM segment")
    PYRAMID = "pyramid", _("Value pyramid")
    CLV = "clv", _("Lifetime value")
    CHURN = "churn", _("Churn risk")
    REPURCHASE = "repurchase", _("Likely to replace the car")
    CLUSTER = "cluster", _("Customer cluster")
    EVALUATION = "evaluation", _("Customer evaluation")


class ScoringRun(models.Model):
    """One model scored over the whole customer base as of a day. Only a published run is shown: a run
    refused for too little history or a failed evaluation leaves the last good one in place."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PUBLISHED = "published", _("Published")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    model = models.CharField(_("model"), max_length=12, choices=ScoreModel.choices)
    version = models.CharField(_("model version"), max_length=40)
    as_of = models.DateField(_("as of"))
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING)
    message = models.TextField(_("message"), blank=True)  # why it was refused or failed
    figures = models.JSONField(_("figures"), default=dict, blank=True)  # fitted parameters, counts, shares
    customers = models.PositiveIntegerField(_("customers scored"), default=0)
    # When its scores were deleted by the history rule (history.drop_old_scores): the run and its figures stay.
    scores_dropped_at = models.DateTimeField(_("scores deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["model", "state", "-as_of"], name="run_latest_published")]

    def __str__(self):
        return f"{self.get_model_display()} {self.as_of:%Y-%m-%d}"


class Score(models.Model):
    """A customer's score in one run: a number, a label (segment, level) and the reasons behind it,
    as [code, value] pairs that the page words in the reader's language. Scores go with their
    customer: whoever may see the customer may see what the customer is worth and at risk of."""

    permission_key = "analytics.score"

    # A night's run adds millions of scores at once, so neither key costs a write per row it need not: no index
    # of its own (one_score_per_run leads with the run, score_customer with the customer) and no constraint,
    # whose check per row took PostgreSQL 16 s at the commit of 2.1 million scores (bench/scoring.py). The
    # writer drops, in one statement, scores of customers deleted since the warehouse copy
    # (`scoring._write_scores`); deleting a customer or a run deletes its scores (Django's cascade).
    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="scores", db_index=False,
                            db_constraint=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="scores", db_index=False,
                                 db_constraint=False)
    value = models.FloatField(_("value"))
    label = models.CharField(_("label"), max_length=20, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_q = staticmethod(via_customer_scope_q)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        permissions = [("export_score", _("Can export the retention list"))]
        constraints = [models.UniqueConstraint(fields=["run", "customer"], name="one_score_per_run")]
        indexes = [
            models.Index(fields=["customer", "run"], name="score_customer"),
            models.Index(fields=["run", "-value"], name="score_ranking"),  # the retention list, riskiest first
        ]


class ChartType(models.TextChoices):
    BAR = "bar", _("Bar chart")
    LINE = "line", _("Line chart")
    PIE = "pie", _("Pie chart")
    TABLE = "table", _("Table")


class DashboardQuerySet(models.QuerySet):
    """Dashboards belong to people, not to org units: a user sees their own, those shared with everyone
    who may see analytics, and the stock ones (no owner); changes and deletes their own only. The
    figures are not the dashboard's: each chart is computed over the customers of whoever opens it."""

    def restrict(self, user, action: str = "view"):
        if not may(user, Dashboard.permission_key, action):
            return self.none()
        mine = Q(owner=user)
        return self.filter(mine | Q(shared=True) | Q(owner__isnull=True) if action == "view" else mine)


class Dashboard(models.Model):
    """A page of charts. Stock dashboards (analytics.dashboards_stock) have no owner, a `stock` key,
    and are kept in line with the code: nobody changes them."""

    permission_key = "analytics.dashboard"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="dashboards", verbose_name=_("owner"))
    name = models.CharField(_("name"), max_length=100, validators=V.NAME)
    shared = models.BooleanField(_("shared"), default=False, help_text=_(
        "Everyone who may see analytics sees it, each with the figures of the customers they may see."))
    order = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Lower comes first."))
    stock = models.CharField(max_length=20, blank=True, editable=False)

    objects = DashboardQuerySet.as_manager()

    class Meta:
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboards")
        ordering = ["order", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["stock"], condition=~Q(stock=""), name="one_stock_dashboard")]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """A stock dashboard's name is stored in English and shown in the reader's language."""
        return gettext(self.name) if self.stock else self.name

    def get_absolute_url(self):
        return reverse("analytics:dashboard", args=[self.pk])


class ChartQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        return self.filter(dashboard__in=Dashboard.objects.restrict(user, action))


class Chart(models.Model):
    """One chart of a dashboard: a measure split by a dimension, with filters, all named by their keys
    in the catalogue (analytics.dashboards), which checks them before anything is saved or run."""

    permission_key = Dashboard.permission_key

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="charts",
                                  verbose_name=_("dashboard"))
    title = models.CharField(_("title"), max_length=120, blank=True, validators=[V.printable_line],
                             help_text=_("Leave empty to name the chart by its measure and dimension."))
    measure = models.CharField(_("measure"), max_length=40)
    dimension = models.CharField(_("by"), max_length=40)
    filters = models.JSONField(_("filters"), default=dict, blank=True)  # dimension key -> the values kept
    chart_type = models.CharField(_("chart type"), max_length=8, choices=ChartType.choices, default=ChartType.BAR)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ChartQuerySet.as_manager()

    class Meta:
        verbose_name = _("chart")
        verbose_name_plural = _("charts")
        ordering = ["position", "id"]

    def __str__(self):
        return self.display_title

    @property
    def display_title(self) -> str:
        if self.title:
            return gettext(self.title) if self.dashboard.stock else self.title
        from guanxi.analytics.dashboards import describe  # the catalogue imports these models

        return describe(self.measure, self.dimension)

    def get_absolute_url(self):
        return f"{self.dashboard.get_absolute_url()}#chart-{self.pk}"
