"""Parts: one catalog for the network, stock per station. What a work order needs is reserved
first (so two advisors cannot promise the same last filter) and consumed when the work is done;
stock moves between stations by transfer. Stock can never go negative: the database refuses it
(check constraints) and the services change it only by conditional updates."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core import validators as V
from guanxi.core.models import OrgUnit
from guanxi.core.scoping import RestrictedQuerySet
from guanxi.customers.models import default_currency


class Part(models.Model):
    permission_key = "service.part"

    code = models.CharField(_("part number"), max_length=40, unique=True, validators=V.NAME)
    name = models.CharField(_("name"), max_length=200, validators=V.NAME)
    name_en = models.CharField(_("English name"), max_length=200, blank=True, validators=[V.printable_line])
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, validators=V.MONEY)
    currency = models.CharField(max_length=3, default=default_currency)
    unit = models.CharField(_("unit"), max_length=10, default="pc", validators=[V.printable_line])
    active = models.BooleanField(_("in use"), default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("service:part_edit", args=[self.pk])

    @staticmethod
    def scope_q(unit_ids, action):
        return Q()  # the network's catalog, the same for every unit that may read it


class Stock(models.Model):
    """A station's stock of a part: on hand, of which reserved for open work orders."""

    permission_key = "service.stock"

    station = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="stock", verbose_name=_("station"))
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock", verbose_name=_("part"))
    on_hand = models.PositiveIntegerField(_("on hand"), default=0)
    reserved = models.PositiveIntegerField(_("reserved"), default=0)
    reorder_level = models.PositiveIntegerField(_("reorder level"), default=0,
                                                help_text=_("The station is told when what is free falls to this."))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        ordering = ["station__path", "part__code"]
        constraints = [
            models.UniqueConstraint(fields=["station", "part"], name="one_stock_row_per_station_and_part"),
            models.CheckConstraint(condition=Q(on_hand__gte=0) & Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")),
                                   name="stock_never_negative_nor_over_reserved"),
        ]

    def __str__(self):
        return f"{self.part} @ {self.station}"

    def get_absolute_url(self):
        return reverse("service:stock_item", args=[self.pk])

    @property
    def free(self) -> int:
        return self.on_hand - self.reserved

    @staticmethod
    def scope_q(unit_ids, action):
        return Q(station_id__in=unit_ids)


class StockMoveKind(models.TextChoices):
    RECEIPT = "receipt", _("Received")
    CONSUMED = "consumed", _("Used on a work order")
    TRANSFER_OUT = "transfer_out", _("Sent to another station")
    TRANSFER_IN = "transfer_in", _("Received from another station")
    COUNT = "count", _("Stock count correction")


class StockMove(models.Model):
    """Every change of what is on hand, signed (+ in, - out): the stock's history."""

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(_("kind"), max_length=12, choices=StockMoveKind.choices)
    quantity = models.IntegerField(_("quantity"))
    work_order = models.ForeignKey("service.WorkOrder", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    other_station = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True, validators=[V.printable_line])
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        ordering = ["-at", "-id"]
