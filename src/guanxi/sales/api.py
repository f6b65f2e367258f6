"""The sales API: leads from declarations (core.api_crud), and the steps of the loop between head
office and the dealers as actions: assign, accept, reject, report, reopen. Every action reads the
lead through the scoping layer (another dealer's lead is a 404) and goes through the services."""

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Query, Router, Status

from guanxi.core.api import filter_params, filtered, valid_filterset
from guanxi.core.api_crud import ModelApi
from guanxi.core.scoping import ensure_in_scope, get_restricted, require
from guanxi.customers.models import Customer
from guanxi.sales import assignment, capture, catalog, funnel, leads, league, opportunities, orders, quotes
from guanxi.sales.filtersets import (
    LeadFilterSet,
    LeagueFilterSet,
    OpportunityFilterSet,
    OrderFilterSet,
    PriceListFilterSet,
    ProductFilterSet,
)
from guanxi.sales.models import Lead, LostReason, Opportunity, Order, Price, PriceList, Product, Quote, SalesTarget
from guanxi.sales.quote_pdf import pdf_response
from guanxi.sales.schemas import (
    AnswerIn,
    AssignIn,
    ContractIn,
    FunnelOut,
    LeadChange,
    LeadEventOut,
    LeadIn,
    LeadOut,
    LeadsIn,
    LeagueOut,
    LostReasonOut,
    MoveIn,
    OpportunityChange,
    OpportunityIn,
    OpportunityOut,
    OpportunityStepOut,
    OrderOut,
    OrderStepIn,
    PriceChange,
    PriceIn,
    PriceListIn,
    PriceListOut,
    PriceOut,
    ProductChange,
    ProductIn,
    ProductOut,
    QuoteIn,
    QuoteLineIn,
    QuoteOut,
    RegionTargetOut,
    RejectIn,
    ReopenIn,
    ReportIn,
)

router = Router(tags=["sales"])


class LeadApi(ModelApi):
    model = Lead
    path = "leads"
    schema = LeadOut
    tags = ["sales"]
    filterset_class = LeadFilterSet
    create_schema = LeadIn
    change_schema = LeadChange
    created_action = "view"  # the hotline captures and hands over; the dealer works the lead
    scope_field = "dealer_id"  # a lead lands within its writer's reach through its dealer

    def create(self, user, data, parent_pk):
        """Captures a lead and hands it to a dealer at once (see the request body)."""
        return capture.capture_lead(user, data)

    def change(self, user, pk, data):
        return leads.update_lead(user, pk, data)


@router.post("/leads/bulk", response={201: list[LeadOut]})
def capture_many(request, payload: LeadsIn):
    """Up to 500 leads at once (an auto show's visitor list, a campaign's answers), each as `POST
    /leads` takes one; all or none: a refused row is named (`leads[3].phone`) and nothing is kept.
    Those the distribution rules place are handed over in one batch."""
    with transaction.atomic():
        captured = capture.capture_leads(request.user, [lead.model_dump() for lead in payload.leads])
        for index, lead in enumerate(captured):
            try:
                ensure_in_scope(request.user, lead, LeadApi.created_action, LeadApi.scope_field)
            except ValidationError as refused:
                raise ValidationError({f"leads[{index}].{field}": messages
                                       for field, messages in refused.message_dict.items()}) from None
    return Status(201, captured)


LeadApi().register(router)  # after /leads/bulk: /leads/{pk} would take it


@router.post("/leads/{pk}/assign", response=LeadOut)
def assign_lead(request, pk: int, payload: AssignIn):
    """Head office hands the lead to a dealer (named, or chosen by the rules); the dealer's
    service-level clock starts."""
    return assignment.assign(request.user, pk, payload.dealer_id)


@router.post("/leads/{pk}/accept", response=LeadOut)
def accept_lead(request, pk: int):
    """The dealer takes the lead: the customer must be called within 24 hours."""
    return leads.accept(request.user, pk)


@router.post("/leads/{pk}/reject", response=LeadOut)
def reject_lead(request, pk: int, payload: RejectIn):
    """The dealer gives the lead back with a reason; it goes to the next dealer."""
    return leads.reject(request.user, pk, payload.reason)


@router.post("/leads/{pk}/report", response=LeadOut)
def report_on_lead(request, pk: int, payload: ReportIn):
    """The dealer's feedback: contacted, test drive, quote, order, or lost with a reason."""
    return leads.report(request.user, pk, payload.kind, payload.note, payload.reason_id)


@router.post("/leads/{pk}/reopen", response=LeadOut)
def reopen_lead(request, pk: int, payload: ReopenIn):
    """A lost lead comes back to its dealer."""
    return leads.reopen(request.user, pk, payload.note)


@router.get("/leads/{pk}/events", response=list[LeadEventOut])
def lead_events(request, pk: int):
    """The lead's way so far, oldest first: the loop head office reads."""
    return list(get_restricted(request.user, Lead, pk).events.all())


@router.get("/lost-reasons", response=list[LostReasonOut])
def lost_reasons(request):
    """The reasons a lead can be reported lost with, from the list head office keeps."""
    require(request.user, Lead.permission_key, "view")
    return list(LostReason.objects.filter(active=True))


class OpportunityApi(ModelApi):
    """Deals: all you may see at /opportunities, a customer's at /customers/{id}/opportunities,
    where a new one is opened."""

    model = Opportunity
    path = "opportunities"
    schema = OpportunityOut
    tags = ["sales"]
    filterset_class = OpportunityFilterSet
    parent_model = Customer
    parent_path = "customers"
    create_schema = OpportunityIn
    change_schema = OpportunityChange
    scope_field = "dealer_id"

    def create(self, user, data, parent_pk):
        """Opens a deal with the customer at its first stage: at the dealer named, the lead's, the
        customer's home dealer if it is one you work for, else your own; the dealer gets a sales
        relationship with the customer."""
        return opportunities.open_opportunity(user, {**data, "customer_id": parent_pk})

    def change(self, user, pk, data):
        return opportunities.update_opportunity(user, pk, data)


OpportunityApi().register(router)


@router.post("/opportunities/{pk}/stage", response=OpportunityOut)
def move_opportunity(request, pk: int, payload: MoveIn):
    """To another stage (any open one, won, or lost with a reason); a won or lost deal is reopened first."""
    return opportunities.move(request.user, pk, payload.stage, payload.note, payload.reason_id)


@router.post("/opportunities/{pk}/reopen", response=OpportunityOut)
def reopen_opportunity(request, pk: int, payload: ReopenIn):
    """A lost deal back to the stage it was lost from."""
    return opportunities.reopen(request.user, pk, payload.note)


@router.get("/opportunities/{pk}/steps", response=list[OpportunityStepOut])
def opportunity_steps(request, pk: int):
    """The deal's stage history, oldest first, with the days spent in each stage."""
    return list(get_restricted(request.user, Opportunity, pk).steps.all())


FunnelFilters = filter_params(OpportunityFilterSet)


@router.get("/funnel", response=FunnelOut)
def sales_funnel(request, filters: Query[FunnelFilters]):
    """Per stage the deals you may see, their amount, the amount weighted by the chance of winning,
    conversion to the next stage and days in stage; filtered as the opportunity list."""
    require(request.user, Opportunity.permission_key, "view")
    deals = valid_filterset(OpportunityFilterSet, Opportunity.objects.restrict(request.user, "view"), request, filters)
    stages = funnel.funnel_for(request.user, deals)
    return {"rows": stages, "forecast": funnel.forecast(stages)}


LeagueFilters = filter_params(LeagueFilterSet)


@router.get("/lead-league", response=LeagueOut)
def lead_league(request, filters: Query[LeagueFilters]):
    """Per dealer the leads handed over in the period (`since`, `until`, `region`): accepted in 2
    working hours, called within 24 hours, converted, lost and the commonest reason; and the open
    leads by age. A dealer reads its own row."""
    require(request.user, Lead.permission_key, "view")
    leads = Lead.objects.restrict(request.user, "view")
    return {"dealers": league.league(filtered(LeagueFilterSet, leads, request, filters)),
            "ageing": league.ageing(leads)}


# --- products, prices and quotes -----------------------------------------------------------------


class ProductApi(ModelApi):
    """The brand's catalog: car models, trims, options, accessories, service, finance and insurance products."""

    model = Product
    path = "products"
    schema = ProductOut
    tags = ["sales"]
    filterset_class = ProductFilterSet
    ordering = ("kind", "code", "id")
    create_schema = ProductIn
    change_schema = ProductChange

    def create(self, user, data, parent_pk):
        return catalog.save_product(user, None, data)

    def change(self, user, pk, data):
        return catalog.save_product(user, pk, data)


class PriceListApi(ModelApi):
    model = PriceList
    path = "price-lists"
    schema = PriceListOut
    tags = ["sales"]
    filterset_class = PriceListFilterSet
    ordering = ("-valid_from", "-id")
    create_schema = change_schema = PriceListIn

    def create(self, user, data, parent_pk):
        return catalog.save_price_list(user, None, data)

    def change(self, user, pk, data):
        return catalog.save_price_list(user, pk, data)


class PriceApi(ModelApi):
    """A price list's prices, one per product."""

    model = Price
    path = "prices"
    schema = PriceOut
    tags = ["sales"]
    parent_model = PriceList
    parent_path = "price-lists"
    parent_field = "price_list"
    create_schema = PriceIn
    change_schema = PriceChange

    def create(self, user, data, parent_pk):
        """201 for a product new to the list; 200 when it had a price there, which is replaced."""
        return catalog.set_price(user, parent_pk, data)

    def found_already(self, data, parent_pk):
        return Price.objects.filter(price_list_id=parent_pk, product_id=data.get("product_id")).exists()

    def change(self, user, pk, data):
        price = get_restricted(user, Price, pk, "change")
        return catalog.set_price(user, price.price_list_id, {"product_id": price.product_id, "amount": price.amount,
                                                              **data})


class QuoteApi(ModelApi):
    """A deal's quotes: listed and made under /opportunities/{id}/quotes."""

    model = Quote
    path = "quotes"
    schema = QuoteOut
    tags = ["sales"]
    queryset = staticmethod(lambda rows, user: rows.prefetch_related("lines"))
    parent_model = Opportunity
    parent_path = "opportunities"
    parent_field = "opportunity"
    create_schema = QuoteIn

    def create(self, user, data, parent_pk):
        return quotes.create_quote(user, parent_pk, data)


for declaration in (ProductApi(), PriceListApi(), PriceApi(), QuoteApi()):
    declaration.register(router)


@router.post("/quotes/{pk}/approve", response=QuoteOut)
def approve_quote(request, pk: int):
    """A manager lets a discount above 5 % go out."""
    return quotes.approve(request.user, pk)


@router.post("/quotes/{pk}/lines", response=QuoteOut)
def add_quote_line(request, pk: int, payload: QuoteLineIn):
    """Another product on a quote not yet sent, at the price of the quote's list; a discount above
    5 % sends the quote back for approval; a trim or option of another car model is refused."""
    return quotes.add_line(request.user, pk, payload.model_dump())


@router.post("/quotes/{pk}/answer", response=QuoteOut)
def answer_quote(request, pk: int, payload: AnswerIn):
    """Sent to the customer, then accepted or declined; an expired quote is not accepted (422)."""
    return quotes.answer(request.user, pk, payload.status)


@router.get("/quotes/{pk}/pdf", response={200: None}, tags=["sales"])
def quote_pdf(request, pk: int):
    """The quote as a PDF."""
    return pdf_response(get_restricted(request.user, Quote, pk))


class OrderApi(ModelApi):
    """Orders: all you may see, a deal's under /opportunities/{id}/orders; placed from a quote."""

    model = Order
    path = "orders"
    schema = OrderOut
    tags = ["sales"]
    filterset_class = OrderFilterSet
    parent_model = Opportunity
    parent_path = "opportunities"
    parent_field = "opportunity"


OrderApi().register(router)


@router.post("/quotes/{pk}/order", response={201: OrderOut})
def place_order(request, pk: int):
    """The customer orders what the quote offers (a valid quote ready or sent is accepted with it)."""
    return Status(201, orders.place_order(request.user, pk))


@router.post("/orders/{pk}/contract", response=OrderOut)
def sign_contract(request, pk: int, payload: ContractIn):
    """The contract is signed: the deal reaches "contract signed"."""
    return orders.sign_contract(request.user, pk, payload.contract_number)


@router.post("/orders/{pk}/step", response=OrderOut)
def order_step(request, pk: int, payload: OrderStepIn):
    """The car's way: allocate (its VIN), ship, arrive, deliver (registers the car to the customer,
    wins the deal, makes the customer an owner), or cancel with a reason."""
    return orders.step(request.user, pk, payload.step, payload.model_dump())


@router.get("/forecast-vs-target", response=list[RegionTargetOut])
def forecast_vs_target(request, month: str | None = None):
    """Per region, for the month (`2026-11`; this month when left out): head office's target, what was
    won in it, and the forecast (won plus open deals expected to close in it, weighted)."""
    require(request.user, Opportunity.permission_key, "view")
    deals = Opportunity.objects.restrict(request.user, "view")
    return funnel.against_targets(deals, SalesTarget.objects.restrict(request.user), funnel.month_asked(month))
