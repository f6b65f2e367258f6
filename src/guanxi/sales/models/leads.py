"""Leads and their hand-over to dealers: the loop between head office and the dealer network.

A lead is one prospect's interest in a car (model, budget, payment, when they expect to buy),
always about a customer record (an existing one matched by phone or email, else a new prospect).
Head office or the call center captures it, the distribution rules hand it to a dealer, and the
dealer reports back what happened (`LeadEvent`): the loop closes. Each hand-over carries service
levels (accept within 2 working hours, first call within 24 hours); the worker reassigns or
escalates on a breach.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core import validators as V
from guanxi.core.calendar import observing_public_calendar
from guanxi.core.models import OrgUnit, Tracked
from guanxi.core.scoping import RestrictedQuerySet
from guanxi.core.working_hours import Hours
from guanxi.customers.models import Customer, default_currency


class LeadSource(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    WEB = "web", _("Web form")
    AUTO_SHOW = "auto_show", _("Auto show")
    WALK_IN = "walk_in", _("Showroom walk-in")
    REFERRAL = "referral", _("Referral")
    CAMPAIGN = "campaign", _("Campaign")


class Timeframe(models.TextChoices):
    """When the prospect expects to buy (Shanghai VW's segmentation): each has its own treatment."""

    HOT = "hot", _("Hot: within a month")
    MID = "mid", _("Mid-term: 1–3 months")
    LONG = "long", _("Long-term: later")


TIMEFRAME_SHORT = {Timeframe.HOT: _("Hot"), Timeframe.MID: _("Mid-term"), Timeframe.LONG: _("Long-term")}


class Payment(models.TextChoices):
    CASH = "cash", _("Cash")
    LOAN = "loan", _("Loan")
    TRADE_IN = "trade_in", _("Trade-in")


class Verification(models.TextChoices):
    UNVERIFIED = "unverified", _("Not verified")
    VERIFIED = "verified", _("Verified")
    INVALID = "invalid", _("Invalid (not a real prospect)")


class LeadStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("lead", "New")
    ASSIGNED = "assigned", pgettext_lazy("lead", "Assigned")
    ACCEPTED = "accepted", pgettext_lazy("lead", "Accepted")
    CONTACTED = "contacted", pgettext_lazy("lead", "Contacted")
    QUALIFIED = "qualified", pgettext_lazy("lead", "Qualified")
    CONVERTED = "converted", pgettext_lazy("lead", "Converted")
    LOST = "lost", pgettext_lazy("lead", "Lost")


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.ASSIGNED, LeadStatus.ACCEPTED, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
WAITING_FOR_A_CALL = (LeadStatus.ASSIGNED, LeadStatus.ACCEPTED)  # a dealer's backlog, counted against its capacity


class LostReason(models.Model):
    """Why a lead or a deal was lost, from a list head office keeps (so that the reasons can be
    counted). A reason is retired, never deleted: lost leads keep naming it."""

    permission_key = "sales.lostreason"

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100, validators=V.NAME)
    name_en = models.CharField(_("English name"), max_length=100, blank=True, validators=[V.printable_line])
    active = models.BooleanField(_("in use"), default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")
        ordering = ["code"]

    def __str__(self):
        from django.utils.translation import get_language

        return self.name_en if self.name_en and (get_language() or "").startswith("en") else self.name

    def get_absolute_url(self):
        return reverse("sales:reasons")

    @staticmethod
    def scope_q(unit_ids, action):
        return Q()  # one list for everyone: the permission decides who edits it


def lead_scope_q(unit_ids, action):
    """A dealer sees the leads handed to it, the unit that captured a lead sees what it captured;
    never another dealer's lead, even on a customer both know."""
    return Q(dealer_id__in=unit_ids) | Q(org_unit_id__in=unit_ids)


class Lead(Tracked):
    permission_key = "sales.lead"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="leads", verbose_name=_("customer"))
    source = models.CharField(_("source"), max_length=10, choices=LeadSource.choices, default=LeadSource.HOTLINE)
    model = models.CharField(_("model of interest"), max_length=80, validators=V.NAME)
    trim = models.CharField(_("trim"), max_length=80, blank=True, validators=[V.printable_line])
    budget = models.DecimalField(_("budget"), max_digits=12, decimal_places=2, null=True, blank=True,
                                 validators=V.MONEY)
    currency = models.CharField(max_length=3, default=default_currency)
    payment = models.CharField(_("payment"), max_length=10, choices=Payment.choices, blank=True)
    timeframe = models.CharField(_("purchase timeframe"), max_length=5, choices=Timeframe.choices,
                                 default=Timeframe.MID)
    verification = models.CharField(_("verification"), max_length=10, choices=Verification.choices,
                                    default=Verification.UNVERIFIED)
    repurchase = models.BooleanField(_("repurchase"), default=False,
                                     help_text=_("The customer owns one of the brand's cars already."))
    province = models.CharField(_("province"), max_length=40, blank=True, validators=[V.printable_line])
    city = models.CharField(_("city"), max_length=40, blank=True, validators=[V.printable_line])
    note = models.TextField(_("note"), blank=True, validators=[V.printable_text])
    status = models.CharField(_("status"), max_length=10, choices=LeadStatus.choices, default=LeadStatus.NEW)
    lost_reason = models.ForeignKey(LostReason, null=True, blank=True, on_delete=models.PROTECT,
                                    verbose_name=_("lost reason"))
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("captured by"))
    dealer = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="leads",
                               verbose_name=_("dealer"))
    why_dealer = models.JSONField(_("why this dealer"), default=list, blank=True)  # distribution.Choice.reasons
    tried_dealers = models.JSONField(default=list, blank=True, editable=False)  # ids: a reassignment skips them
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    accept_by = models.DateTimeField(_("accept by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    contact_by = models.DateTimeField(_("first call by"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("first called"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    sender_key = models.CharField(max_length=64, blank=True, editable=False)  # keyed hash of a web form's address

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-id"]
        permissions = [("assign_lead", _("Can hand leads to dealers")), ("export_lead", _("Can export lead lists"))]
        indexes = [
            models.Index(fields=["dealer", "status"], name="lead_dealer_backlog"),
            models.Index(fields=["accept_by"], condition=Q(status="assigned"), name="lead_accept_due"),
            models.Index(fields=["contact_by"], condition=Q(status="accepted", escalated_at__isnull=True),
                         name="lead_contact_due"),
            models.Index(fields=["sender_key", "created_at"], condition=~Q(sender_key=""), name="lead_sender"),
            models.Index(fields=["customer", "status"], name="lead_customer"),
        ]

    def __str__(self):
        return f"{self.customer} · {self.model}"

    def get_absolute_url(self):
        return reverse("sales:lead", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    scope_q = staticmethod(lead_scope_q)


class LeadEventKind(models.TextChoices):
    CAPTURED = "captured", _("Captured")
    ASSIGNED = "assigned", _("Assigned to a dealer")
    ACCEPTED = "accepted", _("Accepted by the dealer")
    REJECTED = "rejected", _("Rejected by the dealer")
    REASSIGNED = "reassigned", _("Not accepted in time: reassigned")
    ESCALATED = "escalated", _("Not called in time: escalated")
    CONTACTED = "contacted", _("Customer contacted")
    TEST_DRIVE = "test_drive", _("Test drive")
    QUOTE = "quote", _("Quote given")
    ORDER = "order", _("Order placed")
    LOST = "lost", _("Lost")
    REOPENED = "reopened", _("Reopened")


# What a dealer reports back, and the status each report moves the lead to (never backwards).
FEEDBACK_STATUS = {
    LeadEventKind.CONTACTED: LeadStatus.CONTACTED,
    LeadEventKind.TEST_DRIVE: LeadStatus.QUALIFIED,
    LeadEventKind.QUOTE: LeadStatus.QUALIFIED,
    LeadEventKind.ORDER: LeadStatus.CONVERTED,
    LeadEventKind.LOST: LeadStatus.LOST,
}


class LeadEvent(models.Model):
    """One step of a lead's way: captured, handed over, accepted, called, lost and why. The dealer's
    reports are these rows, so head office reads every dealer's follow-up from them."""

    permission_key = "sales.lead"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events", verbose_name=_("lead"))
    kind = models.CharField(_("what"), max_length=12, choices=LeadEventKind.choices)
    at = models.DateTimeField(_("when"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("by"))
    dealer = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("dealer"))
    reason = models.ForeignKey(LostReason, null=True, blank=True, on_delete=models.PROTECT,
                               verbose_name=_("reason"))
    note = models.CharField(_("note"), max_length=500, blank=True, validators=[V.printable_line])

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead event")
        verbose_name_plural = _("lead events")
        ordering = ["at", "id"]

    def __str__(self):
        return self.get_kind_display()

    @staticmethod
    def scope_q(unit_ids, action):
        return Q(lead__dealer_id__in=unit_ids) | Q(lead__org_unit_id__in=unit_ids)


class DistributionRule(models.Model):
    """Leads matching every non-blank field go to the dealer; lower priority is tried first (a
    city's own dealers at 10, the province's at 50, a catch-all at 100)."""

    permission_key = "sales.distributionrule"

    dealer = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="distribution_rules",
                               limit_choices_to={"kind": "dealer"}, verbose_name=_("dealer"))
    priority = models.PositiveSmallIntegerField(_("priority"), default=100,
                                                help_text=_("Lower first: a city's dealers before the province's."))
    province = models.CharField(_("province"), max_length=40, blank=True, validators=[V.printable_line])
    city = models.CharField(_("city"), max_length=40, blank=True, validators=[V.printable_line])
    model = models.CharField(_("model"), max_length=80, blank=True, validators=[V.printable_line],
                             help_text=_("Blank: any model; else leads whose model contains this."))
    timeframe = models.CharField(_("purchase timeframe"), max_length=5, choices=Timeframe.choices, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("distribution rule")
        verbose_name_plural = _("distribution rules")
        ordering = ["priority", "province", "city", "id"]

    def __str__(self):
        where = " · ".join(part for part in (self.province, self.city, self.model) if part) or "*"
        return f"{where} → {self.dealer}"

    def get_absolute_url(self):
        return reverse("sales:rules")

    @staticmethod
    def scope_q(unit_ids, action):
        return Q(dealer_id__in=unit_ids)


class DealerDesk(models.Model):
    """A dealer's sales desk as lead distribution sees it: how many leads it can have waiting for
    a first call, when it works (the service-level clock runs only then), and its running record
    of following up (the performance the distribution ranks by)."""

    permission_key = "sales.dealerdesk"

    dealer = models.OneToOneField(OrgUnit, on_delete=models.CASCADE, primary_key=True, related_name="desk",
                                  verbose_name=_("dealer"))
    accepts_leads = models.BooleanField(_("takes leads"), default=True)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=30, validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text=_("Leads waiting for a first call at most; a full dealer gets new leads only when all are full."))
    opens_at = models.TimeField(_("opens"), default=dt.time(9))
    closes_at = models.TimeField(_("closes"), default=dt.time(18))
    working_days = models.CharField(_("working days"), max_length=7, default="1234567",
                                    help_text=_("ISO weekdays, 1 = Monday: 1234567 is every day."))
    assigned = models.PositiveIntegerField(_("leads received"), default=0)
    accepted_in_time = models.PositiveIntegerField(_("accepted in time"), default=0)
    contacted_in_time = models.PositiveIntegerField(_("called in time"), default=0)
    last_assigned_at = models.DateTimeField(_("last lead"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("dealer sales desk")
        verbose_name_plural = _("dealer sales desks")

    def __str__(self):
        return str(self.dealer)

    def clean(self):
        if not self.working_days or not set(self.working_days) <= set("1234567"):
            raise ValidationError({"working_days": _("Give the working days as digits 1–7 (1 = Monday).")})
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": _("The desk must close after it opens.")})

    def hours(self) -> Hours:
        """The desk's window and days, closed on public holidays and open on make-up working days
        (dealers close for Spring Festival: an accept clock must not run out during it)."""
        return observing_public_calendar(
            Hours(self.opens_at, self.closes_at, frozenset(int(day) for day in self.working_days), settings.TIME_ZONE))

    @property
    def performance(self) -> float | None:
        """Share of the service levels met: accepted in time and called in time, over two per lead."""
        return None if not self.assigned else (self.accepted_in_time + self.contacted_in_time) / (2 * self.assigned)

    @staticmethod
    def scope_q(unit_ids, action):
        return Q(dealer_id__in=unit_ids)
