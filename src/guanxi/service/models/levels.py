"""Service-level targets as data: per ticket type and customer tier, how soon the first answer
and the resolution are due, in working minutes of the responsible unit (or around the clock, as
for a car broken down on the road); and each unit's support hours."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgUnit
from guanxi.core.scoping import RestrictedQuerySet
from guanxi.core.working_hours import Hours
from guanxi.customers.models import Tier
from guanxi.service.models.tickets import TicketKind

A_WEEK_OF_MINUTES = 7 * 24 * 60


class SlaTarget(models.Model):
    permission_key = "service.slatarget"

    kind = models.CharField(_("ticket type"), max_length=12, choices=TicketKind.choices)
    tier = models.CharField(_("customer tier"), max_length=10, choices=Tier.choices)
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(A_WEEK_OF_MINUTES)])
    resolution_minutes = models.PositiveIntegerField(
        _("resolution within (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(8 * A_WEEK_OF_MINUTES)])
    around_the_clock = models.BooleanField(
        _("around the clock"), default=False,
        help_text=_("Count every hour, not only the responsible unit's support hours (roadside assistance)."))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["kind", "tier"]
        constraints = [models.UniqueConstraint(fields=["kind", "tier"], name="one_sla_target_per_kind_and_tier")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_tier_display()}"

    def get_absolute_url(self):
        return reverse("service:target_edit", args=[self.pk])

    def clean(self):
        if self.first_response_minutes and self.resolution_minutes and \
                self.resolution_minutes < self.first_response_minutes:
            raise ValidationError({"resolution_minutes": _("Resolution cannot be due before the first response.")})

    @property
    def first_response(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.first_response_minutes)

    @property
    def resolution(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.resolution_minutes)

    @staticmethod
    def scope_q(unit_ids, action):
        return Q()  # head office's list, the same for every unit that may read it


class SupportHours(models.Model):
    """When a unit answers tickets: the clock of the tickets it is responsible for. A unit without
    a row works the default hours (08:30-18:00 every day, public holidays off)."""

    permission_key = "service.supporthours"

    org_unit = models.OneToOneField(OrgUnit, on_delete=models.CASCADE, related_name="support_hours",
                                    verbose_name=_("org unit"))
    opens = models.TimeField(_("opens"), default=dt.time(8, 30))
    closes = models.TimeField(_("closes"), default=dt.time(18))
    working_days = models.CharField(_("working days"), max_length=20, default="1,2,3,4,5,6,7",
                                    help_text=_("ISO weekdays, 1 = Monday … 7 = Sunday, separated by commas."))
    observes_public_holidays = models.BooleanField(_("closed on public holidays"), default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("support hours")
        verbose_name_plural = _("support hours")
        ordering = ["org_unit__path"]

    def __str__(self):
        return str(self.org_unit)

    def get_absolute_url(self):
        return reverse("service:hours_edit", args=[self.pk])

    def clean(self):
        errors = {}
        if self.opens and self.closes and not self.opens < self.closes:
            errors["closes"] = _("A working day must close after it opens.")
        if self.days() is None:
            errors["working_days"] = _("Working days are numbers 1-7 separated by commas, at least one.")
        if errors:
            raise ValidationError(errors)

    def days(self) -> frozenset[int] | None:
        """The ISO weekdays typed, or None when they are not 1-7 numbers separated by commas."""
        try:
            days = frozenset(int(day) for day in self.working_days.split(",") if day.strip())
        except ValueError:
            return None
        return days if days and days <= set(range(1, 8)) else None

    def hours(self) -> Hours:
        return Hours(opens=self.opens, closes=self.closes, days=self.days())

    @staticmethod
    def scope_q(unit_ids, action):
        return Q(org_unit_id__in=unit_ids)
