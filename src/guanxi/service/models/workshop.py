"""Work orders at service stations and the service contracts that may pay for them.

A work order is one visit of one car: the customer's complaint, the technician's diagnosis, the
jobs done (labour codes and hours) and the parts used. Who pays is decided when it is opened,
from the car's factory warranty (date and mileage) and the customer's service contracts
(extended warranty, maintenance package), and the reasons are kept with the decision so that the
advisor can explain it (service.coverage holds the rules, in plain Python).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core import validators as V
from guanxi.core.models import OrgUnit, Tracked
from guanxi.core.scoping import RestrictedQuerySet
from guanxi.customers.models import Customer, Vehicle, default_currency
from guanxi.service.models.parts import Part
from guanxi.service.models.tickets import Ticket


class ContractKind(models.TextChoices):
    EXTENDED_WARRANTY = "extended_warranty", _("Extended warranty")
    MAINTENANCE = "maintenance", _("Maintenance package")


class ServiceContract(Tracked):
    """An extended warranty or a maintenance package sold for one car, with its terms."""

    permission_key = "service.servicecontract"

    number = models.CharField(_("contract number"), max_length=40, unique=True, validators=V.NAME)
    kind = models.CharField(_("kind"), max_length=20, choices=ContractKind.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="service_contracts",
                                 verbose_name=_("customer"))
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="service_contracts",
                                verbose_name=_("vehicle"))
    sold_by = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("sold by"))
    starts = models.DateField(_("starts"))
    ends = models.DateField(_("ends"))
    max_km = models.PositiveIntegerField(_("up to (km)"), null=True, blank=True,
                                         help_text=_("Leave empty for no mileage limit."))
    visits = models.PositiveSmallIntegerField(_("visits included"), null=True, blank=True,
                                              help_text=_("Maintenance packages: how many services it pays for."))
    visits_used = models.PositiveSmallIntegerField(_("visits used"), default=0)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0, validators=V.MONEY)
    currency = models.CharField(max_length=3, default=default_currency)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("service contract")
        verbose_name_plural = _("service contracts")
        ordering = ["-starts", "-id"]
        constraints = [models.CheckConstraint(condition=Q(ends__gte=models.F("starts")),
                                              name="contract_ends_after_start")]

    def __str__(self):
        return f"{self.number} · {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("service:contract", args=[self.pk])

    @staticmethod
    def scope_q(unit_ids, action):
        """The unit that sold it; a station working on the car sees it through the work order's
        coverage decision, not the contract list."""
        return Q(sold_by_id__in=unit_ids)


class WorkKind(models.TextChoices):
    REPAIR = "repair", _("Repair")
    MAINTENANCE = "maintenance", _("Maintenance")


class WorkOrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_WORK = (WorkOrderStatus.OPEN, WorkOrderStatus.IN_PROGRESS)


class Billing(models.TextChoices):
    WARRANTY = "warranty", _("Factory warranty")
    CONTRACT = "contract", _("Service contract")
    PAID = "paid", _("Paid by the customer")


class WorkOrder(Tracked):
    permission_key = "service.workorder"

    station = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="work_orders",
                                verbose_name=_("station"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="work_orders",
                                 verbose_name=_("customer"))
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="work_orders",
                                verbose_name=_("vehicle"))
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="work_orders",
                               verbose_name=_("ticket"))
    kind = models.CharField(_("kind"), max_length=12, choices=WorkKind.choices, default=WorkKind.REPAIR)
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), validators=[MaxValueValidator(2_000_000)])
    complaint = models.TextField(_("customer's complaint"), validators=[V.not_blank, V.printable_text])
    diagnosis = models.TextField(_("diagnosis"), blank=True, validators=[V.printable_text])
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="work_orders", verbose_name=_("technician"))
    status = models.CharField(_("status"), max_length=12, choices=WorkOrderStatus.choices,
                              default=WorkOrderStatus.OPEN)
    billing = models.CharField(_("who pays"), max_length=10, choices=Billing.choices, default=Billing.PAID)
    contract = models.ForeignKey(ServiceContract, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="work_orders", verbose_name=_("service contract"))
    coverage = models.JSONField(_("why"), default=list, blank=True)  # coverage.Decision.reasons
    labour_total = models.DecimalField(_("labour"), max_digits=12, decimal_places=2, default=Decimal(0))
    parts_total = models.DecimalField(_("parts"), max_digits=12, decimal_places=2, default=Decimal(0))
    customer_pays = models.DecimalField(_("customer pays"), max_digits=12, decimal_places=2, default=Decimal(0))
    currency = models.CharField(max_length=3, default=default_currency)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancelled because"), max_length=200, blank=True,
                                     validators=[V.printable_line])

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-id"]
        permissions = [("export_workorder", _("Can export work order lists"))]
        indexes = [models.Index(fields=["station", "status"], name="workorder_station_backlog"),
                   models.Index(fields=["vehicle", "created_at"], name="workorder_vehicle_history")]

    def __str__(self):
        return f"WO{self.pk:06d}" if self.pk else str(_("new work order"))

    def get_absolute_url(self):
        return reverse("service:work_order", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_WORK

    @property
    def total(self) -> Decimal:
        return self.labour_total + self.parts_total

    @staticmethod
    def scope_q(unit_ids, action):
        """The station's own work orders only: a dealer's sales side never sees them."""
        return Q(station_id__in=unit_ids)


class Job(models.Model):
    """Labour on a work order: a labour code from the maker's manual, the hours and the rate."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="jobs")
    labour_code = models.CharField(_("labour code"), max_length=20, validators=V.NAME)
    description = models.CharField(_("description"), max_length=200, validators=V.NAME)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal(200))])
    rate = models.DecimalField(_("rate per hour"), max_digits=8, decimal_places=2, validators=V.MONEY)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["id"]

    @property
    def amount(self) -> Decimal:
        return (self.hours * self.rate).quantize(Decimal("0.01"))


class PartLineState(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    CONSUMED = "consumed", _("Used")
    RELEASED = "released", _("Released")


class PartLine(models.Model):
    """A part for a work order: reserved from the station's stock when added, used when the work is
    completed, released back if the work order is cancelled or the line removed."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="part_lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+", verbose_name=_("part"))
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1), MaxValueValidator(1000)])
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2, validators=V.MONEY)
    state = models.CharField(_("state"), max_length=10, choices=PartLineState.choices,
                             default=PartLineState.RESERVED)

    class Meta:
        verbose_name = _("part line")
        verbose_name_plural = _("part lines")
        ordering = ["id"]

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity
