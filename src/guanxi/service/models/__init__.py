"""The service app's models, one module per concept, all importable from here."""

from guanxi.service.models.bookings import (
    BAYS_FOR_JOB,
    HOLDING,
    JOB_MINUTES,
    Bay,
    BayKind,
    Booking,
    BookingSource,
    BookingStatus,
    JobKind,
    Technician,
)
from guanxi.service.models.levels import SlaTarget, SupportHours
from guanxi.service.models.parts import Part, Stock, StockMove, StockMoveKind
from guanxi.service.models.surveys import LOW_CSAT, Survey, SurveyState
from guanxi.service.models.tickets import (
    OPEN_STATUSES,
    RUNNING_STATUSES,
    EntryKind,
    Priority,
    Ticket,
    TicketEntry,
    TicketKind,
    TicketStatus,
)
from guanxi.service.models.workshop import (
    OPEN_WORK,
    Billing,
    ContractKind,
    Job,
    PartLine,
    PartLineState,
    ServiceContract,
    WorkKind,
    WorkOrder,
    WorkOrderStatus,
)

__all__ = ["BAYS_FOR_JOB", "Bay", "BayKind", "Booking", "BookingSource", "BookingStatus", "HOLDING", "JOB_MINUTES",
           "JobKind", "Technician", "Billing", "ContractKind", "EntryKind", "Job", "LOW_CSAT", "OPEN_STATUSES",
           "OPEN_WORK", "Part", "PartLine", "PartLineState", "Priority", "RUNNING_STATUSES", "ServiceContract",
           "SlaTarget", "Stock", "StockMove", "StockMoveKind", "SupportHours", "Survey", "SurveyState", "Ticket",
           "TicketEntry", "TicketKind", "TicketStatus", "WorkKind", "WorkOrder", "WorkOrderStatus"]
