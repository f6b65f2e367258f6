"""Opportunities along the seeds' funnel, the stage probabilities head office sets, and each deal's
stage history."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core import validators as V
from guanxi.core.models import OrgUnit, Tracked
from guanxi.core.scoping import RestrictedQuerySet
from guanxi.customers.models import Customer, default_currency
from guanxi.sales.models.leads import Lead, LostReason


class OpportunityStage(models.TextChoices):
    """The seeds' sales funnel: initial contact → intent reached → negotiation → contract signed,
    then won or lost."""

    INITIAL = "initial", _("Initial contact")
    INTENT = "intent", _("Intent reached")
    NEGOTIATION = "negotiation", _("Negotiation")
    CONTRACT = "contract", _("Contract signed")
    WON = "won", _("Won")
    LOST = "lost", pgettext_lazy("opportunity", "Lost")


FUNNEL_STAGES = (OpportunityStage.INITIAL, OpportunityStage.INTENT, OpportunityStage.NEGOTIATION,
                 OpportunityStage.CONTRACT)
CLOSED_STAGES = (OpportunityStage.WON, OpportunityStage.LOST)
DEFAULT_PROBABILITY = {OpportunityStage.INITIAL: 10, OpportunityStage.INTENT: 30, OpportunityStage.NEGOTIATION: 60,
                       OpportunityStage.CONTRACT: 90, OpportunityStage.WON: 100, OpportunityStage.LOST: 0}
PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
DAYS_IN_STAGE = {stage: f"days_{stage.value}" for stage in FUNNEL_STAGES}  # Opportunity's field per stage


class StageProbability(models.Model):
    """The chance of winning a deal at each stage, as head office sets it (the forecast weighs each
    open opportunity's amount by it, unless the opportunity has its own)."""

    permission_key = "sales.stageprobability"

    stage = models.CharField(_("stage"), max_length=12, choices=OpportunityStage.choices, unique=True)
    probability = models.PositiveSmallIntegerField(_("probability (%)"), validators=PERCENT)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stage probability")
        verbose_name_plural = _("stage probabilities")

    def __str__(self):
        return f"{self.get_stage_display()}: {self.probability}%"

    @staticmethod
    def scope_q(unit_ids, action):
        return Q()  # the same for everyone: head office edits it, everyone may read it


class Opportunity(Tracked):
    """A deal a dealer is working: a customer, a car (model and amount), a stage on the funnel, an
    expected close. Its stage history is kept (OpportunityStep) for conversion rates and days per
    stage."""

    permission_key = "sales.opportunity"

    name = models.CharField(_("name"), max_length=200, validators=V.NAME)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="opportunities",
                                 verbose_name=_("customer"))
    dealer = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="opportunities",
                               verbose_name=_("dealer"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="opportunities", verbose_name=_("owner"))
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities",
                             verbose_name=_("lead"))
    model = models.CharField(_("model"), max_length=80, blank=True, validators=[V.printable_line])
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=V.MONEY)
    currency = models.CharField(max_length=3, default=default_currency)
    stage = models.CharField(_("stage"), max_length=12, choices=OpportunityStage.choices,
                             default=OpportunityStage.INITIAL)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), null=True, blank=True, validators=PERCENT,
        help_text=_("Leave empty: the stage's probability set by head office."))
    expected_close = models.DateField(_("expected close"), null=True, blank=True, validators=V.FUTURE_CAR_DATE)
    lost_reason = models.ForeignKey(LostReason, null=True, blank=True, on_delete=models.PROTECT,
                                    verbose_name=_("lost reason"))
    stage_since = models.DateTimeField(_("in this stage since"))
    furthest = models.PositiveSmallIntegerField(default=0, editable=False)  # funnel stages reached (conversion)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # days the deal stood in each funnel stage it has left (all visits added up): the funnel's
    # "days in stage" in one pass over the deals, without reading their history
    days_initial = models.FloatField(null=True, blank=True, editable=False)
    days_intent = models.FloatField(null=True, blank=True, editable=False)
    days_negotiation = models.FloatField(null=True, blank=True, editable=False)
    days_contract = models.FloatField(null=True, blank=True, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-id"]
        permissions = [("export_opportunity", _("Can export opportunity lists"))]
        indexes = [
            # one dealer's funnel and month's forecast read from the index alone (PostgreSQL; other
            # databases take the keys only)
            models.Index(fields=["dealer", "stage", "furthest", "probability"], name="opportunity_funnel",
                         include=["amount", *DAYS_IN_STAGE.values(), "expected_close", "closed_at"]),
            # a month's forecast against the targets, from the indexes alone (PostgreSQL)
            models.Index(fields=["stage", "expected_close"], name="opportunity_stage_close",
                         include=["dealer", "probability", "amount"]),
            models.Index(fields=["stage", "closed_at"], name="opportunity_stage_closed", include=["dealer", "amount"]),
            models.Index(fields=["customer", "stage"], name="opportunity_customer"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sales:opportunity", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.stage not in CLOSED_STAGES

    @staticmethod
    def scope_q(unit_ids, action):
        """A dealer sees its own deals; a region its dealers'; never another dealer's."""
        return Q(dealer_id__in=unit_ids)


class FunnelCell(models.Model):
    """The deals of one dealer, car model, stage, furthest stage reached and own probability, added
    up. PostgreSQL keeps the cells with a trigger on every write to the deals (migration 0013), in
    the writing transaction, so head office's funnel over a million deals adds up a few thousand
    cells instead of reading every deal. SQLite keeps none: the funnel reads the deals there."""

    permission_key = "sales.opportunity"
    OWN_PROBABILITY_UNSET = -1  # the deals take the stage's probability

    dealer = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=80)
    stage = models.CharField(max_length=12, choices=OpportunityStage.choices)
    furthest = models.PositiveSmallIntegerField()
    probability = models.SmallIntegerField()
    deals = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    days_initial = models.FloatField(default=0)
    days_intent = models.FloatField(default=0)
    days_negotiation = models.FloatField(default=0)
    days_contract = models.FloatField(default=0)
    left_initial = models.IntegerField(default=0)  # deals of the cell that left the stage (days counted)
    left_intent = models.IntegerField(default=0)
    left_negotiation = models.IntegerField(default=0)
    left_contract = models.IntegerField(default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dealer", "model", "stage", "furthest", "probability"],
                                               name="one_funnel_cell")]

    @staticmethod
    def scope_q(unit_ids, action):
        return Q(dealer_id__in=unit_ids)  # as the deals it adds up


class OpportunityStep(models.Model):
    """One move of an opportunity from stage to stage, with when and who: the funnel's history."""

    permission_key = "sales.opportunity"

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="steps")
    from_stage = models.CharField(_("from"), max_length=12, choices=OpportunityStage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=12, choices=OpportunityStage.choices)
    at = models.DateTimeField(_("when"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("by"))
    note = models.CharField(_("note"), max_length=500, blank=True, validators=[V.printable_line])
    days_in_previous = models.FloatField(null=True, blank=True)  # how long it stood in `from_stage`

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["to_stage", "at"], name="opportunity_step_stage")]

    @staticmethod
    def scope_q(unit_ids, action):
        return Q(opportunity__dealer_id__in=unit_ids)


class SalesTarget(models.Model):
    """What head office expects a region to sell in a month (the forecast is read against it)."""

    permission_key = "sales.salestarget"

    region = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="sales_targets",
                               limit_choices_to={"kind": "region"}, verbose_name=_("region"))
    month = models.DateField(_("month"), help_text=_("Any day of the month; kept as its first day."))
    amount = models.DecimalField(_("target"), max_digits=14, decimal_places=2, validators=V.MONEY)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        ordering = ["-month", "region__code"]
        constraints = [models.UniqueConstraint(fields=["region", "month"], name="one_target_per_region_month")]

    def __str__(self):
        return f"{self.region} · {self.month:%Y-%m}"

    def get_absolute_url(self):
        return reverse("sales:targets")

    def save(self, *args, **kwargs):
        self.month = self.month.replace(day=1)
        super().save(*args, **kwargs)

    @staticmethod
    def scope_q(unit_ids, action):
        return Q(region_id__in=unit_ids)
