"""Follow-up (回访) after service: every closed ticket and work order gets a satisfaction survey,
asked by a call-center agent on the phone (an activity on their My day) or answered by the
customer through a link sent by SMS or e-mail. CSAT (1-5) and NPS (0-10) are kept per customer and
per station; a low score opens a recovery ticket, because an unsolved complaint loses the customer
(81 % of them leave) and a quickly solved one keeps 82 %."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core import validators as V
from guanxi.core.models import OrgUnit
from guanxi.core.scoping import RestrictedQuerySet
from guanxi.customers.models import Customer
from guanxi.service.models.tickets import Ticket
from guanxi.service.models.workshop import WorkOrder

LOW_CSAT = 2  # at or under: a recovery ticket


class SurveyState(models.TextChoices):
    SCHEDULED = "scheduled", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")
    DECLINED = "declined", _("Declined")


class SurveyChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    LINK = "link", _("Survey link")


class Survey(models.Model):
    permission_key = "service.survey"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="surveys",
                                 verbose_name=_("customer"))
    station = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("unit"))
    ticket = models.OneToOneField(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="survey",
                                  verbose_name=_("ticket"))
    work_order = models.OneToOneField(WorkOrder, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="survey", verbose_name=_("work order"))
    state = models.CharField(_("state"), max_length=10, choices=SurveyState.choices, default=SurveyState.SCHEDULED)
    csat = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True,
                                            validators=[MinValueValidator(1), MaxValueValidator(5)])
    nps = models.PositiveSmallIntegerField(_("would recommend (0-10)"), null=True, blank=True,
                                           validators=[MaxValueValidator(10)])
    comment = models.TextField(_("comment"), blank=True, validators=[V.printable_text])
    channel = models.CharField(_("answered by"), max_length=10, blank=True, choices=SurveyChannel.choices)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    recovery_ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                        verbose_name=_("recovery ticket"))
    link_sent_at = models.DateTimeField(_("link sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-id"]
        indexes = [models.Index(fields=["station", "answered_at"], name="survey_station_scores"),
                   models.Index(fields=["customer", "answered_at"], name="survey_customer_scores")]
        constraints = [models.CheckConstraint(condition=Q(ticket__isnull=False) | Q(work_order__isnull=False),
                                              name="survey_is_about_something")]

    def __str__(self):
        return str(self.work_order or self.ticket)

    def get_absolute_url(self):
        return reverse("service:survey", args=[self.pk])

    @property
    def is_low(self) -> bool:
        return self.csat is not None and self.csat <= LOW_CSAT

    @staticmethod
    def scope_q(unit_ids, action):
        """The unit surveyed sees its scores; the call center (which asks) and head office see all."""
        return Q(station_id__in=unit_ids)
