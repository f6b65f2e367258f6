"""Request and response shapes of the ticket API. Choices are typed with the models' TextChoices,
so an unknown type or priority is a 422 naming the field."""

import datetime as dt
from decimal import Decimal

from ninja import Field, ModelSchema, Schema

from guanxi.customers.models import Channel
from guanxi.service.models import (
    EntryKind,
    Part,
    Priority,
    ServiceContract,
    Stock,
    Ticket,
    TicketKind,
    TicketStatus,
    WorkKind,
    WorkOrder,
)


class TicketOut(ModelSchema):
    customer_id: int
    vehicle_id: int | None
    org_unit_id: int
    opened_in_id: int
    assignee_id: int | None
    article_ids: list[int]

    @staticmethod
    def resolve_article_ids(ticket):
        return [article.pk for article in ticket.articles.all()]

    class Meta:
        model = Ticket
        fields = ["id", "kind", "channel", "subject", "description", "priority", "tier", "status",
                  "first_response_due", "first_responded_at", "resolution_due", "waiting_since",
                  "response_breached_at", "resolution_breached_at", "resolved_at", "resolution", "closed_at",
                  "reopened", "created_at"]


class TicketIn(Schema):
    """A customer's request. The clocks start from the type and the customer's tier. Responsible:
    `org_unit_id` if you may hand tickets out, else the station servicing the car (repair,
    maintenance, roadside), else your own unit."""

    kind: TicketKind = TicketKind.CONSULTATION
    channel: Channel = Channel.PHONE
    subject: str = Field(max_length=200)
    description: str = Field("", max_length=5000)
    priority: Priority = Priority.NORMAL
    vehicle_id: int | None = None
    org_unit_id: int | None = None
    assignee_id: int | None = None


class TicketChange(Schema):
    subject: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    priority: Priority | None = None
    vehicle_id: int | None = None


class AssignIn(Schema):
    org_unit_id: int
    assignee_id: int | None = None


class ReplyIn(Schema):
    body: str = Field(max_length=5000)
    wait: bool = Field(False, description="the answer asks the customer for something: the resolution clock pauses")


class NoteIn(Schema):
    body: str = Field(max_length=5000)


class ResumeIn(Schema):
    body: str = Field("", max_length=2000)


class ResolveIn(Schema):
    resolution: str = Field(max_length=5000)


class ReopenIn(Schema):
    reason: str = Field(max_length=500)


class EntryOut(Schema):
    id: int
    kind: EntryKind
    body: str
    status: TicketStatus | None = None
    author_id: int | None
    at: dt.datetime
    has_attachment: bool

    @staticmethod
    def resolve_status(entry):
        return entry.status or None

    @staticmethod
    def resolve_has_attachment(entry):
        return bool(entry.attachment)


class AttainmentRow(Schema):
    label: str
    opened: int
    response_met: int
    response_missed: int
    response_share: float | None
    resolution_met: int
    resolution_missed: int
    resolution_share: float | None
    reopened: int


class AttainmentOut(Schema):
    rows: list[AttainmentRow]
    total: dict


class WorkOrderOut(ModelSchema):
    station_id: int
    customer_id: int
    vehicle_id: int
    ticket_id: int | None
    technician_id: int | None
    contract_id: int | None
    reasons: list[str]

    class Meta:
        model = WorkOrder
        fields = ["id", "kind", "mileage_km", "complaint", "diagnosis", "status", "billing", "coverage",
                  "labour_total", "parts_total", "customer_pays", "currency", "created_at", "completed_at",
                  "closed_at", "cancel_reason"]

    @staticmethod
    def resolve_reasons(order):
        from guanxi.service.wording import coverage_in_words

        return coverage_in_words(order.coverage)


class WorkOrderIn(Schema):
    """A car at the station: `vehicle_id` or `vin`, the odometer reading (not below the last one on
    record) and the customer's words; `ticket_id` links the ticket it comes from. Who pays is
    decided at once (factory warranty, service contract or the customer) and explained."""

    vehicle_id: int | None = None
    vin: str | None = Field(None, max_length=17)
    ticket_id: int | None = None
    station_id: int | None = None
    kind: WorkKind = WorkKind.REPAIR
    mileage_km: int = Field(ge=0, le=2_000_000)
    complaint: str = Field(max_length=2000)


class JobIn(Schema):
    labour_code: str = Field(max_length=20)
    description: str = Field(max_length=200)
    hours: Decimal = Field(gt=0, le=200, max_digits=5, decimal_places=2)
    rate: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)


class PartIn(Schema):
    part_id: int
    quantity: int = Field(ge=1, le=1000)


class CompleteIn(Schema):
    diagnosis: str = Field(max_length=5000)


class CancelIn(Schema):
    reason: str = Field(max_length=200)


class ContractOut(ModelSchema):
    customer_id: int
    vehicle_id: int
    sold_by_id: int

    class Meta:
        model = ServiceContract
        fields = ["id", "number", "kind", "starts", "ends", "max_km", "visits", "visits_used", "price", "currency"]


class PartOut(ModelSchema):
    class Meta:
        model = Part
        fields = ["id", "code", "name", "name_en", "price", "currency", "unit", "active"]


class StockOut(ModelSchema):
    station_id: int
    part_id: int
    free: int

    class Meta:
        model = Stock
        fields = ["id", "on_hand", "reserved", "reorder_level"]


class ReceiveIn(Schema):
    quantity: int = Field(ge=1, le=100_000)
    note: str = Field("", max_length=200)


class TransferIn(Schema):
    to_station_id: int
    quantity: int = Field(ge=1, le=100_000)
