"""What a dealer sells and at what price, and the quotes it gives: products (car models and their
trims, options, accessories, service packages, finance and insurance products), price lists valid
for a period, and quotes with lines, a discount that needs a manager's approval above a threshold,
and a validity."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core import validators as V
from guanxi.core.models import Tracked
from guanxi.core.scoping import RestrictedQuerySet
from guanxi.customers.models import default_currency
from guanxi.sales.models.deals import Opportunity

CENT = Decimal("0.01")
DISCOUNT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


def everyone(unit_ids, action):
    """The catalog is the brand's: whoever may read it reads all of it."""
    return Q()


class ProductKind(models.TextChoices):
    MODEL = "model", _("Car model")
    TRIM = "trim", _("Trim")
    OPTION = "option", _("Option")
    ACCESSORY = "accessory", _("Accessory")
    SERVICE_PACKAGE = "service", _("Service package")
    FINANCE = "finance", _("Finance product")
    INSURANCE = "insurance", _("Insurance product")


class Product(models.Model):
    permission_key = "sales.product"

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, validators=V.NAME)
    kind = models.CharField(_("kind"), max_length=10, choices=ProductKind.choices)
    model = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="variants",
                              limit_choices_to={"kind": ProductKind.MODEL}, verbose_name=_("of model"),
                              help_text=_("For a trim or an option: the car model it belongs to."))
    active = models.BooleanField(_("on sale"), default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["kind", "code"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sales:product_edit", args=[self.pk])

    scope_q = staticmethod(everyone)


class PriceList(models.Model):
    """Prices valid from a day (until a day, or until the next list): a quote takes each product's
    price from the list valid on the day it is made."""

    permission_key = "sales.product"

    name = models.CharField(_("name"), max_length=100, validators=V.NAME)
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    valid_from = models.DateField(_("valid from"), validators=V.FUTURE_CAR_DATE)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, validators=V.FUTURE_CAR_DATE)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["-valid_from", "-id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sales:price_list", args=[self.pk])

    def clean(self):
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("A price list ends after it starts.")})

    scope_q = staticmethod(everyone)


class Price(models.Model):
    permission_key = "sales.product"

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="prices",
                                   verbose_name=_("price list"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="prices", verbose_name=_("product"))
    amount = models.DecimalField(_("price"), max_digits=12, decimal_places=2, validators=V.MONEY)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [models.UniqueConstraint(fields=["price_list", "product"], name="one_price_per_list")]

    def __str__(self):
        return f"{self.product}: {self.amount}"

    def get_absolute_url(self):
        return self.price_list.get_absolute_url()

    scope_q = staticmethod(everyone)


class QuoteStatus(models.TextChoices):
    AWAITING_APPROVAL = "approval", _("Awaiting approval")
    READY = "ready", _("Ready to send")
    SENT = "sent", _("Sent to the customer")
    ACCEPTED = "accepted", pgettext_lazy("quote", "Accepted")
    DECLINED = "declined", _("Declined")


class Quote(Tracked):
    """An offer to the customer for an opportunity: lines at the price list's prices, a discount on
    the whole, valid until a day. A discount above the approval threshold waits for a manager."""

    permission_key = "sales.quote"

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="quotes",
                                    verbose_name=_("opportunity"))
    price_list = models.ForeignKey(PriceList, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("price list"))
    status = models.CharField(_("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.READY)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=Decimal("0"),
                                           validators=DISCOUNT)
    valid_until = models.DateField(_("valid until"), validators=V.FUTURE_CAR_DATE)
    note = models.TextField(_("note"), blank=True, validators=[V.printable_text])
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-id"]
        permissions = [("approve_quote", _("Can approve discounts above the threshold"))]

    def __str__(self):
        return f"Q{self.pk:06d}" if self.pk else str(_("new quote"))

    def get_absolute_url(self):
        return reverse("sales:quote", args=[self.pk])

    @property
    def expired(self) -> bool:
        return self.valid_until < timezone.localdate()

    def totals(self, lines=None) -> dict[str, Decimal]:
        """Lines' sum, the discount on the whole, and the total, to the cent."""
        lines = list(self.lines.all()) if lines is None else lines
        subtotal = sum((line.amount for line in lines), Decimal("0"))
        discount = (subtotal * self.discount_percent / 100).quantize(CENT, ROUND_HALF_UP)
        return {"subtotal": subtotal, "discount": discount, "total": subtotal - discount}

    @staticmethod
    def scope_q(unit_ids, action):
        return Q(opportunity__dealer_id__in=unit_ids)


class QuoteLine(models.Model):
    permission_key = "sales.quote"

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines", verbose_name=_("quote"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product"))
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1,
                                                validators=[MinValueValidator(1), MaxValueValidator(999)])
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2, validators=V.MONEY)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=Decimal("0"),
                                           validators=DISCOUNT)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["id"]

    @property
    def amount(self) -> Decimal:
        gross = self.unit_price * self.quantity
        return (gross - gross * self.discount_percent / 100).quantize(CENT, ROUND_HALF_UP)

    @staticmethod
    def scope_q(unit_ids, action):
        return Q(quote__opportunity__dealer_id__in=unit_ids)


class OrderState(models.TextChoices):
    """An order's way to the customer: the seeds' delivery tracking."""

    ORDERED = "ordered", _("Ordered")
    ALLOCATED = "allocated", _("Car allocated")
    IN_TRANSIT = "transit", _("In transit")
    AT_DEALER = "at_dealer", _("At the dealer")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class Order(Tracked):
    """The customer's order from an accepted quote, its contract, and the car's way to the customer.
    Delivering it registers the car to the customer, who becomes an owner (a repeat buyer, loyal)."""

    permission_key = "sales.order"

    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="order", verbose_name=_("quote"))
    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="orders",
                                    verbose_name=_("opportunity"))
    model = models.CharField(_("model"), max_length=80, validators=V.NAME)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=V.MONEY)
    currency = models.CharField(max_length=3, default=default_currency)
    state = models.CharField(_("state"), max_length=10, choices=OrderState.choices, default=OrderState.ORDERED)
    contract_number = models.CharField(_("contract number"), max_length=40, blank=True,
                                       validators=[V.printable_line])
    signed_at = models.DateTimeField(_("contract signed"), null=True, blank=True)
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    allocated_at = models.DateTimeField(_("allocated"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at the dealer"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    vehicle = models.ForeignKey("customers.Vehicle", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("vehicle"))
    cancel_reason = models.CharField(_("why cancelled"), max_length=500, blank=True, validators=[V.printable_line])

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-id"]
        permissions = [("export_order", _("Can export order lists"))]
        indexes = [models.Index(fields=["state"], name="order_state")]

    def __str__(self):
        return f"O{self.pk:06d}" if self.pk else str(_("new order"))

    def get_absolute_url(self):
        return reverse("sales:order", args=[self.pk])

    @staticmethod
    def scope_q(unit_ids, action):
        return Q(opportunity__dealer_id__in=unit_ids)
