"""The shared customer database: customers, how to reach them, what they agreed to, their
vehicles and everything that happened between them and the brand.

Every model here is restricted (core.scoping): `Model.objects.restrict(user, action)`.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Right, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core import validators as V
from guanxi.core.models import OrgUnit
from guanxi.core.scoping import ProbedExists, RestrictedQuerySet
from guanxi.customers import normalize as norm


def default_currency() -> str:
    """GUANXI_CURRENCY (ISO 4217, CNY unless set): amounts of new records are in it."""
    return settings.GUANXI_CURRENCY


PLAUSIBLE_YEARS = range(1900, 2101)
TAIL_DIGITS = 4  # a phone number found by its last four digits
VIN_SERIAL = 6  # a VIN found by its last six characters (the serial number)


def plausible_moment(value) -> None:
    """A time users or integrators give (when a call happened, when consent was given): a year
    outside 1900–2100 is a typing slip, and 9999 overflows once moved to UTC."""
    if value is not None and value.year not in PLAUSIBLE_YEARS:
        raise ValidationError(_("The year must lie between 1900 and 2100."), code="implausible_year")


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class Segment(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    FLEET = "fleet", _("Fleet")
    CORPORATE = "corporate", _("Corporate")


class Gender(models.TextChoices):
    MALE = "m", _("Male")
    FEMALE = "f", _("Female")
    UNKNOWN = "u", _("Unknown")


class Stage(models.TextChoices):
    TARGET = "target", _("Target")
    PROSPECT = "prospect", _("Prospect")
    OPPORTUNITY = "opportunity", _("Opportunity")
    CONTRACTED = "contracted", _("Contracted")
    OWNER = "owner", _("Owner")
    LOYAL = "loyal", _("Loyal")
    LAPSED = "lapsed", _("Lapsed")
    CHURNED = "churned", _("Churned")


class Tier(models.TextChoices):
    VIP = "vip", _("VIP")
    GOLD = "gold", _("Gold")
    SILVER = "silver", _("Silver")
    STANDARD = "standard", _("Standard")


class Source(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    WEB = "web", _("Website")
    WALK_IN = "walk_in", _("Showroom walk-in")
    REFERRAL = "referral", _("Referral")
    EVENT = "event", _("Event / auto show")
    DEALER = "dealer", _("Dealer")
    IMPORT = "import", _("Import")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")
    CHAT = "chat", _("Web chat")
    MAIL = "mail", _("Direct mail")
    VISIT = "visit", _("Visit")
    # taking part in an owners' club event (a drive, a family day, a car-care class): not a way to reach someone,
    # so there is no consent for it; the customer evaluation counts it as influence (analytics/evaluation.py)
    EVENT = "event", _("Owners' club event")


# The channels a customer can agree or refuse to be contacted on: all but the club event.
ConsentChannel = models.TextChoices("ConsentChannel", [(member.name, (member.value, member.label))
                                                       for member in Channel if member != Channel.EVENT])


class RelationshipKind(models.TextChoices):
    OWNER = "owner", _("Owner of record")
    SALES = "sales", _("Sales")
    FLEET = "fleet", _("Fleet account")
    LEAD = "lead", _("Lead")
    SERVICE = "service", _("Service")


# What each kind of relationship lets the org unit do with the customer. The owner of record
# reads and writes; a unit working the customer's sales or fleet account reads and changes; a
# unit handed a lead reads; a workshop servicing the customer's car reads the master data and
# the service side (its own interactions, the cars it services), never the sales talk.
RELATIONSHIP_ACTIONS = {
    RelationshipKind.OWNER: {"view", "change", "delete", "erase"},
    RelationshipKind.SALES: {"view", "change"},
    RelationshipKind.FLEET: {"view", "change"},
    RelationshipKind.LEAD: {"view"},
    RelationshipKind.SERVICE: {"view"},
}
def kinds_allowing(action: str) -> list[str]:
    return [kind for kind, actions in RELATIONSHIP_ACTIONS.items() if action in actions]


def whole_customer_kinds(action: str) -> list[str]:
    """Kinds that reach the whole customer (the timeline, every vehicle and ownership) for the
    action: all but SERVICE, and of those only the ones the action is allowed to."""
    return [kind for kind in kinds_allowing(action) if kind != RelationshipKind.SERVICE]


def related_to(unit_ids, kinds, customer_ref="pk") -> ProbedExists:
    """The customer (found at `customer_ref` of the outer row) has a current relationship of
    one of these kinds with one of the units."""
    return ProbedExists(
        CustomerRelationship.objects.filter(
            customer_id=OuterRef(customer_ref), org_unit_id__in=unit_ids, kind__in=kinds, until__isnull=True
        )
    )


def customer_scope_q(unit_ids, action):
    return Q(related_to(unit_ids, kinds_allowing(action)))


def via_customer_scope_q(unit_ids, action):
    """Contact points, consents and scores go with their customer."""
    return Q(related_to(unit_ids, kinds_allowing(action), "customer_id"))


def timeline_scope_q(unit_ids, action):
    """Interactions and activities: units that see the whole customer see them all; a unit that
    only services the customer's car sees what the unit itself did or must do, not the sales talk."""
    return Q(related_to(unit_ids, whole_customer_kinds(action), "customer_id")) | Q(org_unit_id__in=unit_ids)


class Customer(models.Model):
    permission_key = "customers.customer"

    kind = models.CharField(_("kind"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.PERSON)
    name = models.CharField(_("name"), max_length=200, db_index=True, validators=V.NAME)
    name_latin = models.CharField(_("Latin name"), max_length=200, blank=True, validators=[V.printable_line])
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, default=Gender.UNKNOWN)
    birth_date = models.DateField(_("birth date"), null=True, blank=True, validators=V.BIRTH_DATE)
    national_id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    national_id_masked = models.CharField(_("ID number"), max_length=24, blank=True, editable=False)
    segment = models.CharField(_("segment"), max_length=12, choices=Segment.choices, default=Segment.INDIVIDUAL)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=12, choices=Stage.choices, default=Stage.PROSPECT
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.DEALER)
    home_dealer = models.ForeignKey(
        OrgUnit,
        verbose_name=_("home dealer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    # who brought them (source "referral"): the referrer's influence counts it (analytics' evaluation)
    referred_by = models.ForeignKey("self", verbose_name=_("referred by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="referrals")
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    province = models.CharField(_("province"), max_length=40, blank=True, validators=[V.printable_line])
    city = models.CharField(_("city"), max_length=40, blank=True, validators=[V.printable_line])
    lifetime_spend = models.DecimalField(_("lifetime spend"), max_digits=14, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3, default=default_currency)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)
    # what people type to find the name (normalize.name_search_keys), kept in step by save()
    name_pinyin = models.CharField(max_length=100, blank=True, editable=False)
    name_initials = models.CharField(max_length=30, blank=True, editable=False)
    given_name = models.CharField(max_length=30, blank=True, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["home_dealer", "-id"], name="customer_dealer_recent"),
            models.Index(fields=["lifetime_spend"], name="customer_spend"),  # "most valuable first"
            # each key in the order a search shows its matches (services._ids_by_name)
            models.Index(fields=["name_pinyin", "name", "id"], name="customer_pinyin"),
            models.Index(fields=["name_initials", "name", "id"], name="customer_initials"),
            models.Index(fields=["given_name", "name", "id"], name="customer_given_name"),
        ]
        permissions = [
            ("erase_customer", _("Can erase a customer's personal data (PIPL / GDPR)")),
            ("export_customer", _("Can export customer lists")),
            ("identify_customer", _("Can see the full birth date and the ID number's last characters (to confirm "
                                    "a caller)")),
            ("analyse_customer", _("Can see charts of the customer base on the home page")),
        ]

    def __str__(self):
        return self.name

    SEARCH_KEYS = ("name_pinyin", "name_initials", "given_name")

    def save(self, *args, update_fields=None, **kwargs):
        """Keeps the name's search keys in step; an erased customer is found by none."""
        keys = ("", "", "") if self.erased_at else norm.name_search_keys(self.name, self.kind == CustomerKind.PERSON)
        self.name_pinyin, self.name_initials, self.given_name = keys
        if update_fields is not None:
            update_fields = {*update_fields, *self.SEARCH_KEYS}
        super().save(*args, update_fields=update_fields, **kwargs)

    def get_absolute_url(self):
        return reverse("customers:detail", args=[self.pk])

    scope_q = staticmethod(customer_scope_q)


class CustomerRelationship(models.Model):
    """Which org units see a customer, and why: one row per customer ↔ unit relationship.

    Visibility is decided here, not by one field: a lead handed to a second dealer, a car
    serviced at a station and (later) a merge of two dealers' records each add a row, so nobody
    loses sight of their own customer. `home_dealer` on the customer is the owner of record kept
    in step with the OWNER row (services.set_home_dealer). Ending a relationship sets `until`.
    """

    permission_key = "customers.customer"

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="relationships", verbose_name=_("customer")
    )
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="customer_relationships", verbose_name=_("org unit")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RelationshipKind.choices)
    since = models.DateTimeField(_("since"))
    until = models.DateTimeField(_("until"), null=True, blank=True)
    source = models.CharField(
        _("source"),
        max_length=40,
        blank=True,
        help_text=_("What made the relationship: creation, a vehicle serviced, a lead, a merge …"),
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer relationship")
        verbose_name_plural = _("customer relationships")
        indexes = [
            models.Index(fields=["customer", "org_unit"], name="relationship_probe", condition=Q(until__isnull=True)),
            models.Index(fields=["org_unit", "customer"], name="relationship_unit", condition=Q(until__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "org_unit", "kind"],
                condition=Q(until__isnull=True),
                name="one_current_relationship_per_kind",
            ),
        ]

    scope_q = staticmethod(via_customer_scope_q)


class StageChange(models.Model):
    """The history of a customer's lifecycle stage."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="stage_changes", verbose_name=_("customer")
    )
    from_stage = models.CharField(max_length=12, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=12, choices=Stage.choices)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    channel = models.CharField(max_length=10, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True, db_default="")

    class Meta:
        ordering = ["-changed_at", "-id"]


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat ID")
    ADDRESS = "address", _("Postal address")


class ContactPoint(models.Model):
    """One way to reach a customer. `normalized` is the indexed lookup key (E.164, lower-case email …)."""

    permission_key = "customers.customer"

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contact_points", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ContactKind.choices)
    value = models.CharField(_("value"), max_length=300, validators=V.NAME)
    normalized = models.CharField(max_length=300, editable=False)
    province = models.CharField(_("province"), max_length=40, blank=True, validators=[V.printable_line])
    city = models.CharField(_("city"), max_length=40, blank=True, validators=[V.printable_line])
    district = models.CharField(_("district"), max_length=40, blank=True, validators=[V.printable_line])
    is_primary = models.BooleanField(_("primary"), default=False)
    opted_out = models.BooleanField(_("opted out"), default=False)
    opted_out_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        indexes = [
            models.Index(fields=["kind", "normalized"], name="contact_lookup"),
            # "the caller's number ends in 8000": the search by the last four digits
            models.Index(F("kind"), Right("normalized", TAIL_DIGITS), name="contact_tail"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value}"

    def get_absolute_url(self):
        return reverse("customers:detail", args=[self.customer_id]) + "#contact-points"

    scope_q = staticmethod(via_customer_scope_q)


class ConsentPurpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    SERVICE = "service", _("Service reminders")
    SURVEY = "survey", _("Surveys")
    PROFILING = "profiling", _("Analytics and profiling")


class Consent(models.Model):
    """Consent per channel and purpose (PIPL / GDPR); the audit log keeps its history."""

    permission_key = "customers.customer"

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="consents", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    recorded_at = models.DateTimeField(_("when"), validators=[plausible_moment])
    how = models.CharField(_("how"), max_length=100, validators=V.NAME,
                           help_text=_("e.g. web form, recorded call, signed paper form"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["customer", "channel", "purpose"], name="one_consent_per_use")]

    def __str__(self):
        return f"{self.get_channel_display()} · {self.get_purpose_display()}"

    def get_absolute_url(self):
        return reverse("customers:detail", args=[self.customer_id]) + "#consents"

    scope_q = staticmethod(via_customer_scope_q)


class Vehicle(models.Model):
    permission_key = "customers.vehicle"

    vin = models.CharField(_("VIN"), max_length=17, unique=True)
    model = models.CharField(_("model"), max_length=80, validators=V.NAME)
    model_year = models.PositiveSmallIntegerField(
        _("model year"), validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )
    plate = models.CharField(_("plate"), max_length=12, blank=True, db_index=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True, db_index=True,
                                     validators=V.PAST_CAR_DATE)
    selling_dealer = models.ForeignKey(
        OrgUnit,
        verbose_name=_("selling dealer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vehicles_sold",
    )
    service_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("service station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vehicles_serviced",
    )
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True, validators=V.FUTURE_CAR_DATE)
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), default=0)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, null=True, blank=True,
                                validators=V.MONEY)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        permissions = [("export_vehicle", _("Can export vehicle lists"))]
        indexes = [
            # searches by what people read off a car: the VIN's serial (its last six characters)
            # and the plate without its province character ("A12345" for 沪A12345)
            models.Index(Right("vin", VIN_SERIAL), name="vehicle_vin_serial"),
            # the home page's "warranty ending soon": the next weeks' ends, soonest first
            models.Index(fields=["warranty_end"], name="vehicle_warranty_end"),
            models.Index(Substr("plate", 2), name="vehicle_plate_local"),
        ]

    def __str__(self):
        return f"{self.model} {self.plate or self.vin}"

    def get_absolute_url(self):
        return reverse("customers:vehicle", args=[self.pk])

    @staticmethod
    def scope_q(unit_ids, action):
        """Vehicles the units service or whose current owner is wholly their customer; the selling
        dealer sees a car only until it has an owner, so a resale to another dealer's customer hides it."""
        current = Ownership.objects.filter(vehicle_id=OuterRef("pk"), end_date__isnull=True)
        whole_customer = related_to(unit_ids, whole_customer_kinds(action), "customer_id")
        owned_by_own_customer = Exists(current.filter(whole_customer))
        unsold = Q(selling_dealer_id__in=unit_ids) & ~Q(Exists(current))
        return Q(service_unit_id__in=unit_ids) | Q(owned_by_own_customer) | unsold


class Ownership(models.Model):
    """Who owned a vehicle when: a trade-in or a second owner keeps the history."""

    permission_key = "customers.vehicle"

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="ownerships")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="ownerships", verbose_name=_("customer")
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["vehicle"], condition=Q(end_date__isnull=True), name="one_current_owner")
        ]

    @staticmethod
    def scope_q(unit_ids, action):
        """The ownerships of the units' customers, and of the vehicles the units service."""
        whole_customer = related_to(unit_ids, whole_customer_kinds(action), "customer_id")
        return Q(whole_customer) | Q(vehicle__service_unit_id__in=unit_ids)


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class Interaction(models.Model):
    """One entry of the customer timeline, whatever the channel; may point at any record."""

    permission_key = "customers.interaction"

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="interactions", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    occurred_at = models.DateTimeField(_("when"), validators=[plausible_moment])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("by")
    )
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("org unit"))
    subject = models.CharField(_("subject"), max_length=200, validators=V.NAME)
    summary = models.TextField(_("summary"), blank=True, validators=[V.printable_text])
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True,
                                 validators=V.MONEY)
    link_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    link_id = models.PositiveBigIntegerField(null=True, blank=True)
    link = GenericForeignKey("link_type", "link_id")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("interaction")
        permissions = [("export_interaction", _("Can export interaction lists"))]
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="timeline"),
            models.Index(fields=["-occurred_at"], name="interaction_recent"),  # the interaction list, newest first
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("customers:detail", args=[self.customer_id]) + "#timeline"

    scope_q = staticmethod(timeline_scope_q)


class GuardedLookup(models.Model):
    """A look-up that could tell a user what their scope hides, by whom and when: a search by national ID
    number (the one identifier that can be recovered by trying candidates), or a vehicle registration refused
    because the VIN is on record outside the user's scope (trying VINs would tell which cars exist elsewhere).
    The audit trail administrators review, and what limits each kind per user and hour
    (services.guard_lookup)."""

    class Kind(models.TextChoices):
        NATIONAL_ID = "national_id", _("search by ID number")
        VIN_REFUSED = "vin_refused", _("VIN registered elsewhere")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("by"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.NATIONAL_ID)
    # the VIN a refused registration named (never an ID number: its searches keep no subject)
    subject = models.CharField(_("what"), max_length=17, blank=True, default="")

    class Meta:
        verbose_name = _("guarded look-up")
        verbose_name_plural = _("guarded look-ups")
        indexes = [models.Index(fields=["user", "kind", "at"], name="guarded_lookups_by_user")]


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    MESSAGE = "message", _("Message (SMS / WeChat)")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting / test drive")
    TODO = "todo", _("To-do")


class ActivityState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Activity(models.Model):
    """Something a user must do by a time (call back, visit, send the quote): Odoo's activities.

    Usually about a customer; `link` may point at any record it belongs to (an interaction it
    follows up, a lead or ticket as those apps land). Importance and urgency are the user's call;
    an activity due by the end of today counts as urgent anyway (customers.activities.my_day).
    """

    permission_key = "customers.activity"

    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices, default=ActivityKind.CALL)
    summary = models.CharField(_("summary"), max_length=200, validators=V.NAME)
    note = models.TextField(_("note"), blank=True, validators=[V.printable_text])
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="activities", verbose_name=_("customer"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="activities",
                                 verbose_name=_("assigned to"))
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("org unit"))
    due_at = models.DateTimeField(_("due"), validators=[plausible_moment])
    important = models.BooleanField(_("important"), default=False)
    urgent = models.BooleanField(_("urgent"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=ActivityState.choices, default=ActivityState.OPEN)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)  # the assignee was told it is due
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    link_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    link_id = models.PositiveBigIntegerField(null=True, blank=True)
    link = GenericForeignKey("link_type", "link_id")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assignee", "state", "due_at"], name="activity_my_day"),
            models.Index(fields=["customer", "state", "due_at"], name="activity_open_items"),
            models.Index(fields=["due_at"], condition=Q(state="open", reminded_at__isnull=True),
                         name="activity_reminder_due"),
        ]

    def __str__(self):
        return self.summary

    def get_absolute_url(self):
        return reverse("customers:activity", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == ActivityState.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()

    scope_q = staticmethod(timeline_scope_q)
