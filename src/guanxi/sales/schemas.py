"""Request and response shapes of the sales API. Choices are typed with the models' TextChoices,
so an unknown timeframe or source is a 422 naming the field; phone and email are plain strings
whose rules live once, in customers.normalize."""

import datetime as dt
from decimal import Decimal

from ninja import Field, ModelSchema, Schema

from guanxi.sales.capture import LEADS_AT_ONCE
from guanxi.sales.models import (
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadSource,
    Opportunity,
    OpportunityStage,
    OpportunityStep,
    Order,
    Payment,
    Price,
    PriceList,
    Product,
    ProductKind,
    Quote,
    QuoteLine,
    QuoteStatus,
    Timeframe,
    Verification,
)


class LeadOut(ModelSchema):
    customer_id: int
    dealer_id: int | None
    org_unit_id: int | None
    lost_reason_id: int | None

    class Meta:
        model = Lead
        fields = ["id", "source", "model", "trim", "budget", "currency", "payment", "timeframe", "verification",
                  "repurchase", "province", "city", "note", "status", "why_dealer", "assigned_at", "accept_by",
                  "accepted_at", "contact_by", "contacted_at", "escalated_at", "closed_at", "created_at"]


class LeadIn(Schema):
    """A prospect's interest. Name the customer (`customer_id`), or give a phone or email: a known
    person is matched, anyone else becomes a new prospect (then `name` is needed too). The lead is
    handed to a dealer at once: yours if you work at one, `dealer_id` if you may assign, else the
    distribution rules'."""

    customer_id: int | None = None
    name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    source: LeadSource = LeadSource.HOTLINE
    model: str = Field(max_length=80)
    trim: str | None = Field(None, max_length=80)
    budget: Decimal | None = Field(None, max_digits=12, decimal_places=2)
    payment: Payment | None = None
    timeframe: Timeframe = Timeframe.MID
    province: str | None = Field(None, max_length=40)
    city: str | None = Field(None, max_length=40)
    note: str | None = Field(None, max_length=2000)
    dealer_id: int | None = None


class LeadsIn(Schema):
    """Leads captured together; each as `POST /leads` takes one."""

    leads: list[LeadIn] = Field(min_length=1, max_length=LEADS_AT_ONCE)


class LeadChange(Schema):
    """The interest as it becomes clearer; any subset."""

    model: str | None = Field(None, max_length=80)
    trim: str | None = Field(None, max_length=80)
    budget: Decimal | None = Field(None, max_digits=12, decimal_places=2)
    payment: Payment | None = None
    timeframe: Timeframe | None = None
    verification: Verification | None = None
    province: str | None = Field(None, max_length=40)
    city: str | None = Field(None, max_length=40)
    note: str | None = Field(None, max_length=2000)


class AssignIn(Schema):
    dealer_id: int | None = Field(None, description="left out: the distribution rules choose (again)")


class RejectIn(Schema):
    reason: str = Field(max_length=500)


class ReportIn(Schema):
    kind: LeadEventKind = Field(description="contacted, test_drive, quote, order or lost")
    note: str = Field("", max_length=500)
    reason_id: int | None = Field(None, description="why it was lost (GET /lost-reasons); needed for lost")


class ReopenIn(Schema):
    note: str = Field("", max_length=500)


class LeadEventOut(ModelSchema):
    user_id: int | None
    dealer_id: int | None
    reason_id: int | None
    at: dt.datetime

    class Meta:
        model = LeadEvent
        fields = ["id", "kind", "note"]


class LostReasonOut(Schema):
    id: int
    code: str
    name: str
    name_en: str


class OpportunityOut(ModelSchema):
    customer_id: int
    dealer_id: int
    owner_id: int | None
    lead_id: int | None
    lost_reason_id: int | None

    class Meta:
        model = Opportunity
        fields = ["id", "name", "model", "amount", "currency", "stage", "probability", "expected_close",
                  "stage_since", "closed_at", "created_at"]


class OpportunityIn(Schema):
    """A new deal at its first stage (initial contact), from `lead_id` if given (its dealer, model
    and budget unless sent)."""

    lead_id: int | None = None
    dealer_id: int | None = None
    name: str | None = Field(None, max_length=200)
    model: str | None = Field(None, max_length=80)
    amount: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    probability: int | None = Field(None, description="0–100; left out: the stage's, set by head office")
    expected_close: dt.date | None = None


class OpportunityChange(Schema):
    name: str | None = Field(None, max_length=200)
    model: str | None = Field(None, max_length=80)
    amount: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    probability: int | None = None
    expected_close: dt.date | None = None


class MoveIn(Schema):
    stage: OpportunityStage
    note: str = Field("", max_length=500)
    reason_id: int | None = Field(None, description="why it was lost (GET /lost-reasons); needed for lost")


class OpportunityStepOut(ModelSchema):
    user_id: int | None

    class Meta:
        model = OpportunityStep
        fields = ["id", "from_stage", "to_stage", "at", "note", "days_in_previous"]


class FunnelRowOut(Schema):
    stage: OpportunityStage
    label: str
    count: int
    amount: Decimal
    weighted: Decimal
    probability: int
    reached: int
    conversion: float | None
    average_days: float | None


class FunnelOut(Schema):
    rows: list[FunnelRowOut]
    forecast: Decimal


class DealerRowOut(Schema):
    dealer_id: int
    dealer: str
    received: int
    accepted_in_time: int
    called_in_time: int
    converted: int
    lost: int
    waiting: int
    top_lost_reason: str


class AgeBandOut(Schema):
    days: tuple[int, int | None]
    counts: list[int] = Field(description="open leads per status: new, assigned, accepted, contacted, qualified")


class LeagueOut(Schema):
    dealers: list[DealerRowOut]
    ageing: list[AgeBandOut]


class ProductOut(ModelSchema):
    model_id: int | None

    class Meta:
        model = Product
        fields = ["id", "code", "name", "kind", "active"]


class ProductIn(Schema):
    code: str = Field(max_length=40)
    name: str = Field(max_length=200)
    kind: ProductKind
    model_id: int | None = None
    active: bool = True


class ProductChange(Schema):
    name: str | None = Field(None, max_length=200)
    model_id: int | None = None
    active: bool | None = None


class PriceListOut(ModelSchema):
    class Meta:
        model = PriceList
        fields = ["id", "name", "currency", "valid_from", "valid_until"]


class PriceListIn(Schema):
    name: str = Field(max_length=100)
    valid_from: dt.date
    valid_until: dt.date | None = None


class PriceOut(ModelSchema):
    price_list_id: int
    product_id: int

    class Meta:
        model = Price
        fields = ["id", "amount"]


class PriceIn(Schema):
    product_id: int
    amount: Decimal = Field(max_digits=12, decimal_places=2)


class PriceChange(Schema):
    amount: Decimal = Field(max_digits=12, decimal_places=2)


class QuoteLineOut(ModelSchema):
    product_id: int
    amount: Decimal

    class Meta:
        model = QuoteLine
        fields = ["id", "quantity", "unit_price", "discount_percent"]


class QuoteOut(ModelSchema):
    opportunity_id: int
    price_list_id: int
    approved_by_id: int | None
    lines: list[QuoteLineOut]
    total: Decimal

    class Meta:
        model = Quote
        fields = ["id", "status", "discount_percent", "valid_until", "note", "approved_at", "created_at"]

    @staticmethod
    def resolve_lines(quote):
        return list(quote.lines.all())

    @staticmethod
    def resolve_total(quote):
        return quote.totals()["total"]


class QuoteLineIn(Schema):
    product_id: int
    quantity: int = Field(1, ge=1, le=999)
    discount_percent: Decimal = Field(Decimal("0"), max_digits=5, decimal_places=2)


class QuoteIn(Schema):
    """At today's prices; a discount above 5 % (on a line or the whole) waits for a manager."""

    lines: list[QuoteLineIn] = Field(min_length=1, max_length=50)
    discount_percent: Decimal = Field(Decimal("0"), max_digits=5, decimal_places=2)
    valid_until: dt.date | None = Field(None, description="left out: in 14 days")
    note: str = Field("", max_length=2000)


class AnswerIn(Schema):
    status: QuoteStatus = Field(description="sent, accepted or declined")


class OrderOut(ModelSchema):
    quote_id: int
    opportunity_id: int
    vehicle_id: int | None

    class Meta:
        model = Order
        fields = ["id", "model", "amount", "currency", "state", "contract_number", "signed_at", "vin",
                  "allocated_at", "shipped_at", "arrived_at", "delivered_at", "cancel_reason", "created_at"]


class ContractIn(Schema):
    contract_number: str = Field(max_length=40)


class OrderStepIn(Schema):
    step: str = Field(description="allocate (with vin), ship, arrive, deliver (plate optional) or cancel (with reason)")
    vin: str = Field("", max_length=40)
    plate: str = Field("", max_length=20)
    reason: str = Field("", max_length=500)


class RegionTargetOut(Schema):
    region_id: int
    region: str
    target: Decimal | None
    won: Decimal
    forecast: Decimal
    attainment: float | None
