"""The booking API, for integrators and a future customer portal: free slots of a station (or
several), bookings made and moved on, roadside jobs dispatched. Every call goes through
service.bookings, which checks the permissions and the scope; a slot taken meanwhile is a 422
naming `bay_id` (or `starts` when no bay was asked for)."""

import datetime as dt

from ninja import Field, ModelSchema, Query, Router, Schema, Status

from guanxi.core.api_crud import ModelApi
from guanxi.service import bookings
from guanxi.service.booking_forms import BookingFilterSet
from guanxi.service.models import Booking, BookingSource, BookingStatus, JobKind

router = Router(tags=["service"])


class BookingOut(ModelSchema):
    station_id: int
    bay_id: int | None
    technician_id: int | None
    customer_id: int
    vehicle_id: int

    class Meta:
        model = Booking
        fields = ["id", "job", "starts", "ends", "status", "source", "note", "location", "created_at"]


class BookingIn(Schema):
    """A car into a bay. The car by `vin` or `vehicle_id`; `customer_id`, when sent (a portal
    knows its customer), must be the car's current owner. No `bay_id`: the first free bay that
    fits the job. No `minutes` or `ends`: the job's usual time."""

    station_id: int
    starts: dt.datetime
    job: JobKind = JobKind.MAINTENANCE
    minutes: int | None = Field(None, ge=15, le=600)
    ends: dt.datetime | None = None
    vin: str | None = Field(None, max_length=17)
    vehicle_id: int | None = None
    customer_id: int | None = None
    bay_id: int | None = None
    technician_id: int | None = None
    source: BookingSource = BookingSource.WEB
    note: str = Field("", max_length=500)


class StatusIn(Schema):
    status: BookingStatus
    reason: str = Field("", max_length=200, description="why, for a cancellation")


class RoadsideIn(Schema):
    station_id: int
    vin: str | None = Field(None, max_length=17)
    vehicle_id: int | None = None
    location: str = Field(max_length=200)
    note: str = Field("", max_length=500)


class SlotOut(Schema):
    station_id: int
    bay_id: int
    starts: dt.datetime
    ends: dt.datetime


class SlotQuery(Schema):
    station_id: list[int] = Field(..., description="one or more stations")
    since: dt.date
    until: dt.date
    job: JobKind = JobKind.MAINTENANCE
    minutes: int | None = Field(None, ge=15, le=600, description="the job's usual time when left out")


class BookingApi(ModelApi):
    model = Booking
    path = "bookings"
    schema = BookingOut
    tags = ["service"]
    filterset_class = BookingFilterSet
    create_schema = BookingIn
    scope_field = "station_id"

    def create(self, user, data, parent_pk):
        """Books a car into a bay; 422 naming the field when the time is outside the station's
        hours, in the past, or the bay (or technician) is taken."""
        return bookings.book(user, data)


BookingApi().register(router)


@router.get("/service-slots", response=list[SlotOut])
def free_slots(request, query: Query[SlotQuery]):
    """Free (bay, start) slots of the stations' bays for the job, on a 30-minute grid within the
    opening hours, from `since` to `until` (days in the station's time zone, at most 62)."""
    asked = bookings.Search(query.station_id, query.since, query.until, query.job, query.minutes)
    return bookings.search(request.user, asked)


@router.post("/bookings/{pk}/status", response=BookingOut)
def move_booking(request, pk: int, payload: StatusIn):
    """Arrived, done, no-show or cancelled (with a reason), from the states that lead there."""
    return bookings.move(request.user, pk, payload.status, payload.reason)


@router.post("/roadside-jobs", response={201: BookingOut})
def dispatch_roadside(request, payload: RoadsideIn):
    """Dispatches a broken-down car to the station's technician on duty free soonest; 422 naming
    `station_id` when nobody is on duty."""
    return Status(201, bookings.dispatch_roadside(request.user, payload.model_dump()))
