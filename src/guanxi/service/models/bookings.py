"""Service bookings at a station: its bays (the lifts and booths a car occupies), its technicians
with their shifts, and the appointments that fill them, booked on the phone, from the web, at the
desk, or dispatched to a car broken down on the road.

A booking holds its bay (and technician) from `starts` to `ends` while it is booked or the car has
arrived; the rules that keep two bookings from sharing a bay are in service.bookings, which locks
the bay's row before it checks, so two advisors taking the last free slot at once cannot both win.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core import validators as V
from guanxi.core.models import OrgUnit, Tracked
from guanxi.core.scoping import RestrictedQuerySet
from guanxi.customers.models import Customer, Vehicle


def station_scope_q(unit_ids, action):
    """The station's own rows; head office and the call center (which books for customers on the
    phone) reach every station through the scoping layer."""
    return Q(station_id__in=unit_ids)


class BayKind(models.TextChoices):
    GENERAL = "general", _("General repair")
    QUICK = "quick", _("Quick service")
    BODY = "body", _("Body and paint")


class Bay(models.Model):
    permission_key = "service.bay"

    station = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="bays", verbose_name=_("station"))
    name = models.CharField(_("name"), max_length=60, validators=V.NAME)
    kind = models.CharField(_("kind"), max_length=10, choices=BayKind.choices, default=BayKind.GENERAL)
    active = models.BooleanField(_("in use"), default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("service bay")
        verbose_name_plural = _("service bays")
        ordering = ["station__code", "name"]
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="one_bay_name_per_station")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("service:bay_edit", args=[self.pk])

    scope_q = staticmethod(station_scope_q)


class Technician(models.Model):
    """A user working on cars at a station, on a shift inside the station's hours (the station's
    public holidays apply too)."""

    permission_key = "service.technician"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="technician_at",
                             verbose_name=_("user"))
    station = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="technicians",
                                verbose_name=_("station"))
    skills = models.CharField(_("skills"), max_length=200, blank=True, validators=[V.printable_line],
                              help_text=_("E.g. engine, electrics, body; separated by commas."))
    shift_starts = models.TimeField(_("shift starts"), default=dt.time(8, 30))
    shift_ends = models.TimeField(_("shift ends"), default=dt.time(18))
    working_days = models.CharField(_("working days"), max_length=20, default="1,2,3,4,5,6",
                                    help_text=_("ISO weekdays, 1 = Monday … 7 = Sunday, separated by commas."))
    active = models.BooleanField(_("on the roster"), default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")
        ordering = ["station__code", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "station"], name="one_technician_per_user_station"),
                       models.CheckConstraint(condition=Q(shift_ends__gt=models.F("shift_starts")),
                                              name="technician_shift_ends_after_start")]

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()

    def get_absolute_url(self):
        return reverse("service:technician_edit", args=[self.pk])

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.shift_starts and self.shift_ends and self.shift_ends <= self.shift_starts:
            raise ValidationError({"shift_ends": _("A shift ends after it starts.")})
        try:
            self.days()
        except ValueError as error:
            raise ValidationError({"working_days": str(error)}) from error

    def days(self) -> frozenset[int]:
        try:
            days = frozenset(int(day) for day in self.working_days.split(",") if day.strip())
        except ValueError as error:
            raise ValueError(_("Working days are numbers 1-7 separated by commas.")) from error
        if not days or not days <= set(range(1, 8)):
            raise ValueError(_("Working days are numbers 1-7 separated by commas."))
        return days

    scope_q = staticmethod(station_scope_q)


class JobKind(models.TextChoices):
    """What the car comes for; each kind takes the bay for its usual time (JOB_MINUTES)."""

    QUICK = "quick", _("Quick service")
    MAINTENANCE = "maintenance", _("Maintenance")
    REPAIR = "repair", _("Repair")
    BODY = "body", _("Body and paint")
    ROADSIDE = "roadside", _("Roadside assistance")


JOB_MINUTES = {JobKind.QUICK: 30, JobKind.MAINTENANCE: 60, JobKind.REPAIR: 120, JobKind.BODY: 240,
               JobKind.ROADSIDE: 90}

# The bays a job may take, the best fitting first.
BAYS_FOR_JOB = {JobKind.QUICK: (BayKind.QUICK, BayKind.GENERAL), JobKind.MAINTENANCE: (BayKind.QUICK, BayKind.GENERAL),
                JobKind.REPAIR: (BayKind.GENERAL,), JobKind.BODY: (BayKind.BODY,), JobKind.ROADSIDE: ()}


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    DONE = "done", _("Done")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


# A booking in these holds its bay and technician.
HOLDING = (BookingStatus.BOOKED, BookingStatus.ARRIVED)


class BookingSource(models.TextChoices):
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web / customer portal")
    WALK_IN = "walk_in", _("Walk-in")
    ROADSIDE = "roadside", _("Roadside call")


class Booking(Tracked):
    permission_key = "service.booking"

    station = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("station"))
    bay = models.ForeignKey(Bay, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings",
                            verbose_name=_("bay"))
    technician = models.ForeignKey(Technician, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="bookings", verbose_name=_("technician"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="bookings",
                                 verbose_name=_("customer"))
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("vehicle"))
    job = models.CharField(_("job"), max_length=12, choices=JobKind.choices, default=JobKind.MAINTENANCE)
    starts = models.DateTimeField(_("starts"))
    ends = models.DateTimeField(_("ends"))
    status = models.CharField(_("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED)
    source = models.CharField(_("booked by"), max_length=10, choices=BookingSource.choices,
                              default=BookingSource.PHONE)
    note = models.CharField(_("note"), max_length=500, blank=True, validators=[V.printable_line])
    location = models.CharField(_("where the car is"), max_length=200, blank=True, validators=[V.printable_line])

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-starts", "-id"]
        indexes = [models.Index(fields=["station", "starts"], name="booking_station_day"),
                   models.Index(fields=["bay", "starts"], name="booking_bay_time")]
        constraints = [models.CheckConstraint(condition=Q(ends__gt=models.F("starts")),
                                              name="booking_ends_after_start"),
                       models.CheckConstraint(condition=Q(bay__isnull=False) | Q(source=BookingSource.ROADSIDE),
                                              name="booking_bay_unless_roadside")]

    def __str__(self):
        return f"B{self.pk:06d}" if self.pk else str(_("new booking"))

    def get_absolute_url(self):
        return reverse("service:booking", args=[self.pk])

    @property
    def holds(self) -> bool:
        return self.status in HOLDING

    scope_q = staticmethod(station_scope_q)
