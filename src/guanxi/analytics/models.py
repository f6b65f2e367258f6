"""Scores live here, never on the audited customer row: each scoring run of a model is kept with
its version, date and figures, and its scores with it; pages show the latest published run."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.scoping import RestrictedQuerySet
from guanxi.customers.models import Customer, via_customer_scope_q


class ScoreModel(models.TextChoices):
    RFM = "rfm", _("RFM segment")
    PYRAMID = "pyramid", _("Value pyramid")
    CLV = "clv", _("Lifetime value")
    CHURN = "churn", _("Churn risk")
    REPURCHASE = "repurchase", _("Likely to replace the car")


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

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="scores")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="scores")
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
