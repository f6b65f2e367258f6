"""Booking pages: the free-slot search (book a slot in one click), the bookings list and page with
their steps, roadside dispatch, a station's day calendar, and the bays and technicians. Thin: the
rules are in service.bookings, the search in service.slots."""

import datetime as dt
import zoneinfo
from itertools import groupby

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View

from guanxi.core.generic import ObjectEditView, ObjectListView, ObjectView, StepView, form_errors_from
from guanxi.core.models import OrgUnit
from guanxi.core.scoping import may, require
from guanxi.service import bookings
from guanxi.service.booking_forms import (
    ArriveForm,
    BayForm,
    BookingFilterSet,
    BookingForm,
    CancelBookingForm,
    DoneForm,
    NoShowForm,
    RoadsideForm,
    SlotSearchForm,
    TechnicianForm,
    stations,
)
from guanxi.service.booking_tables import BayTable, BookingTable, TechnicianTable
from guanxi.service.models import Bay, Booking, BookingStatus, JobKind, Technician, WorkOrder

STEP = dt.timedelta(minutes=30)


class BookingListView(ObjectListView):
    model = Booking
    table_class = BookingTable
    filterset_class = BookingFilterSet
    title = _("Bookings")
    add_url_name = "service:booking_add"

    @staticmethod
    def queryset(rows):
        return rows.select_related("customer", "vehicle", "station", "bay", "technician__user")


MAINTENANCE_JOBS = (JobKind.QUICK, JobKind.MAINTENANCE)  # a booking for these becomes a maintenance work order


class BookingView(ObjectView):
    model = Booking
    template_name = "service/booking_detail.html"
    fields = ("customer", "vehicle", "station", "bay", "technician", "job", "starts", "ends", "status", "source",
              "location", "note", "created_by", "created_at")

    def context(self, user, obj, bound: dict | None = None):
        arrived = obj.status == BookingStatus.ARRIVED and may(user, WorkOrder.permission_key, "add")
        return {"actions": BookingStepView.offered(user, obj, bound),
                "calendar_url": f"{reverse('service:day_calendar')}?" + urlencode(
                    {"station": obj.station_id, "day": timezone.localtime(obj.starts).date().isoformat()}),
                "work_order_url": f"{reverse('service:work_order_add')}?" + urlencode(
                    {"vin": obj.vehicle.vin, "kind": "maintenance" if obj.job in MAINTENANCE_JOBS else "repair"})
                if arrived and obj.vehicle_id else ""}


class BookingStepView(StepView):
    model = Booking
    detail_view = BookingView
    STEPS = {"arrive": BookingStatus.ARRIVED, "done": BookingStatus.DONE, "no_show": BookingStatus.NO_SHOW,
             "cancel": BookingStatus.CANCELLED}
    actions = {
        "arrive": (ArriveForm, "change", (BookingStatus.BOOKED,)),
        "done": (DoneForm, "change", (BookingStatus.ARRIVED,)),
        "no_show": (NoShowForm, "change", (BookingStatus.BOOKED,)),
        "cancel": (CancelBookingForm, "change", (BookingStatus.BOOKED, BookingStatus.ARRIVED)),
    }

    def act(self, user, pk, action, data):
        bookings.move(user, pk, self.STEPS[action], data.get("reason", ""))


class BookingAddView(ObjectEditView):
    """Typed at the desk, or posted from a free slot with every field filled in (one click)."""

    model = Booking
    form_class = BookingForm
    title = _("Book a service")

    def _form(self, request, instance, data=None):
        return self.form_class(data, user=request.user, initial=request.GET.dict())

    def save(self, user, form):
        return bookings.book(user, form.service_data())


class RoadsideAddView(ObjectEditView):
    model = Booking
    form_class = RoadsideForm
    title = _("Dispatch a roadside job")

    def save(self, user, form):
        return bookings.dispatch_roadside(user, form.service_data())


class SlotSearchView(LoginRequiredMixin, View):
    """The free slots of a station (and the others in its city) over some days, by day and time."""

    def get(self, request):
        require(request.user, Booking.permission_key, "view")
        form = SlotSearchForm(request.GET or None, user=request.user)
        days, status = [], 200
        if form.is_valid():
            data, station = form.cleaned_data, form.cleaned_data["station"]
            asked = bookings.Search(bookings.nearby(station) if data["nearby"] else [station.pk], data["since"],
                                    data["since"] + dt.timedelta(days=data["days"] - 1), data["job"])
            try:
                days = _by_day(bookings.search(request.user, asked))
            except ValidationError as error:
                form_errors_from(form, error)
                status = 422
        context = {"form": form, "days": days, "searched": form.is_bound and not form.errors,
                   "may_book": may(request.user, Booking.permission_key, "add")}
        return render(request, "service/booking_slots.html", context, status=status)


def _by_day(found) -> list[tuple[dt.date, list]]:
    """Slots grouped by local day, then by start time: [(day, [(time, [(bay id, "S001 · Bay 1"), …]), …]), …]."""
    names = {bay.pk: f"{bay.station.code} · {bay.name}"
             for bay in Bay.objects.filter(pk__in={slot.bay_id for slot in found}).select_related("station")}
    local = [(timezone.localtime(slot.starts), slot.bay_id) for slot in found]
    by_day = []
    for day, rows in groupby(local, key=lambda row: row[0].date()):
        times = [(when, [(bay_id, names[bay_id]) for _when, bay_id in group])
                 for when, group in groupby(rows, key=lambda row: row[0])]
        by_day.append((day, times))
    return by_day


class DayCalendarView(LoginRequiredMixin, View):
    """A station's day: bays as columns, the opening hours as rows of 30 minutes, the bookings as
    blocks (roadside jobs, which take no bay, in a column of their own)."""

    def get(self, request):
        require(request.user, Booking.permission_key, "view")
        places = stations(request.user, Booking, "view")
        station_id = request.GET.get("station") or request.user.primary_unit_id
        station = places.filter(pk=station_id).first() if str(station_id).isdigit() else None
        station = station or places.first()
        try:
            day = dt.date.fromisoformat(request.GET.get("day", ""))
        except ValueError:
            day = timezone.localdate()
        context = {"stations": places, "station": station, "day": day, "previous": day - dt.timedelta(days=1),
                   "next": day + dt.timedelta(days=1), "day_label": date_format(day, "DATE_FORMAT")}
        if station is not None:
            context.update(_plan(request.user, station, day))
        return render(request, "service/day_calendar.html", context)


def _plan(user, station: OrgUnit, day: dt.date) -> dict:
    hours = bookings.hours_of([station.pk])[station.pk]
    zone = zoneinfo.ZoneInfo(hours.zone)
    start, end = dt.datetime.combine(day, hours.opens, zone), dt.datetime.combine(day, hours.closes, zone)
    midnight = dt.datetime.combine(day, dt.time(), zone)
    bays = list(Bay.objects.restrict(user).filter(station=station, active=True).order_by("name"))
    rows = list(Booking.objects.restrict(user).filter(station=station, starts__lt=midnight + dt.timedelta(days=1),
                                                      ends__gt=midnight).exclude(status=BookingStatus.CANCELLED)
                .select_related("customer", "vehicle", "technician__user").order_by("starts"))
    if rows:
        start = min(start, midnight + (max(rows[0].starts, midnight) - midnight) // STEP * STEP)
        end = max(end, min(max(row.ends for row in rows), midnight + dt.timedelta(days=1)))
    columns = [bay.name for bay in bays]
    column_of = {bay.pk: index + 2 for index, bay in enumerate(bays)}
    if any(row.bay_id is None or row.bay_id not in column_of for row in rows):
        columns.append(_("Roadside and other"))
    count = -((start - end) // STEP)
    times = [(index + 2, (start + index * STEP).astimezone(zone).strftime("%H:%M")) for index in range(count)]
    blocks = []
    for row in rows:
        first, last = max(row.starts, start), min(row.ends, end)
        blocks.append({"booking": row, "column": column_of.get(row.bay_id, len(columns) + 1),
                       "row": (first - start) // STEP + 2, "span": max(1, -((first - last) // STEP))})
    return {"columns": [(index + 2, name) for index, name in enumerate(columns)], "times": times, "blocks": blocks,
            "cells": [(row, column) for row, _label in times for column in range(2, len(columns) + 2)],
            "width": len(columns), "open": hours.works_on(day)}


class BayListView(ObjectListView):
    model = Bay
    table_class = BayTable
    title = _("Service bays")
    add_url_name = "service:bay_add"

    @staticmethod
    def queryset(rows):
        return rows.select_related("station")


class BayEditView(ObjectEditView):
    model = Bay
    form_class = BayForm


class TechnicianListView(ObjectListView):
    model = Technician
    table_class = TechnicianTable
    title = _("Technicians")
    add_url_name = "service:technician_add"

    @staticmethod
    def queryset(rows):
        return rows.select_related("station", "user")


class TechnicianEditView(ObjectEditView):
    model = Technician
    form_class = TechnicianForm
