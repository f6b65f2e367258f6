"""From an accepted quote to a car in the customer's hands: the order, its contract, the car
allocated (its VIN), shipped, at the dealer, delivered. Delivering registers the car to the
customer (customers.services.add_vehicle: ownership, service relationship, timeline), wins the deal
and makes the customer an owner, or loyal when they owned one of the brand's cars before."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.limits import RecordedRefusal, undone_then_recorded
from guanxi.core.outbox import emit
from guanxi.core.scoping import get_restricted, require
from guanxi.customers import normalize as norm
from guanxi.customers import services as customer_services
from guanxi.customers.models import GuardedLookup, Ownership, Stage, Vehicle
from guanxi.sales import opportunities, quotes
from guanxi.sales.models import OpportunityStage, Order, OrderState, ProductKind, Quote, QuoteStatus

WARRANTY_YEARS = 3  # the brand's new-car warranty (3 years / 100,000 km)
# step -> (the state it leads to, the states it may be taken from)
STEPS = {
    "allocate": (OrderState.ALLOCATED, (OrderState.ORDERED,)),
    "ship": (OrderState.IN_TRANSIT, (OrderState.ALLOCATED,)),
    "arrive": (OrderState.AT_DEALER, (OrderState.ALLOCATED, OrderState.IN_TRANSIT)),
    "deliver": (OrderState.DELIVERED, (OrderState.AT_DEALER,)),
    "cancel": (OrderState.CANCELLED, (OrderState.ORDERED, OrderState.ALLOCATED, OrderState.IN_TRANSIT,
                                      OrderState.AT_DEALER)),
}
STAMPS = {OrderState.ALLOCATED: "allocated_at", OrderState.IN_TRANSIT: "shipped_at",
          OrderState.AT_DEALER: "arrived_at", OrderState.DELIVERED: "delivered_at"}


def place_order(user, quote_pk) -> Order:
    """An order from a quote the customer accepted (a quote ready or sent is accepted with it, if
    still valid); one order per quote."""
    require(user, Order.permission_key, "add")
    quote = get_restricted(user, Quote, quote_pk, "change")
    if hasattr(quote, "order"):
        raise ValidationError({"quote": _("This quote was ordered already.")})
    if not quote.opportunity.is_open:
        raise ValidationError({"quote": _("The deal is closed: reopen it first.")})
    with transaction.atomic():
        if quote.status != QuoteStatus.ACCEPTED:
            quote = quotes.answer(user, quote.pk, QuoteStatus.ACCEPTED)
        lines = list(quote.lines.select_related("product"))
        car = next((line.product for line in lines if line.product.kind == ProductKind.MODEL), None)
        if car is None:
            raise ValidationError({"quote": _("The quote has no car on it: nothing to order.")})
        order = Order(quote=quote, opportunity=quote.opportunity, model=car.name, amount=quote.totals(lines)["total"],
                      currency=quote.price_list.currency, created_by=user)
        order.save()
        emit("sales.order.placed", order, {"opportunity_id": quote.opportunity_id, "amount": str(order.amount)},
             actor=user)
    return order


def _locked(user, pk) -> Order:
    found = get_restricted(user, Order, pk, "change")
    return Order.objects.select_for_update(of=("self",)).select_related("opportunity__customer").get(pk=found.pk)


def sign_contract(user, pk, contract_number: str) -> Order:
    """The customer signs: the deal reaches "contract signed"."""
    if not (contract_number or "").strip():
        raise ValidationError({"contract_number": _("Give the contract's number.")})
    with transaction.atomic():
        order = _locked(user, pk)
        if order.state == OrderState.CANCELLED or order.signed_at:
            raise ValidationError({"contract_number": _("This order's contract is signed already, or the order "
                                                        "was cancelled.")})
        order.contract_number, order.signed_at = contract_number.strip(), timezone.now()
        order.full_clean(exclude=["quote", "opportunity", "vehicle", "created_by"])
        order.save()
        deal = order.opportunity
        if deal.is_open and deal.stage != OpportunityStage.CONTRACT:
            opportunities.move(user, deal.pk, OpportunityStage.CONTRACT, _("Contract %(number)s signed")
                               % {"number": order.contract_number})
    return order


def step(user, pk, name: str, data: dict | None = None) -> Order:
    """allocate (with the car's `vin`), ship, arrive, deliver (a signed contract first; `plate`
    optional), or cancel (with a `reason`)."""
    data = data or {}
    if name not in STEPS:
        raise ValidationError({"step": _("Unknown step %(step)s.") % {"step": name}})
    target, sources = STEPS[name]
    with undone_then_recorded():
        order = _locked(user, pk)
        if order.state not in sources:
            raise ValidationError({"step": _("An order that is %(state)s cannot be %(step)s.") % {
                "state": order.get_state_display().lower(), "step": OrderState(target).label.lower()}})
        if name == "allocate":
            order.vin = _free_vin(user, data.get("vin", ""))
        elif name == "cancel":
            if not (data.get("reason") or "").strip():
                raise ValidationError({"reason": _("Say why the order is cancelled.")})
            order.cancel_reason = data["reason"].strip()[:500]
        elif name == "deliver":
            _deliver(user, order, data.get("plate") or "")
        order.state = target
        if target in STAMPS:
            setattr(order, STAMPS[target], timezone.now())
        order.save()
        emit(f"sales.order.{target}", order, {"opportunity_id": order.opportunity_id}, actor=user)
    return order


def _free_vin(user, raw: str) -> str:
    """The VIN allocated to an order: no car on record has it, nor any other order. A refusal tells that the VIN
    exists, maybe outside the user's scope, so refusals are recorded and limited as a vehicle registration's
    (customers.services.add_vehicle)."""
    try:
        vin = norm.normalize_vin(raw)
    except norm.InvalidValue as error:
        raise ValidationError({"vin": str(error)}) from None
    customer_services.refuse_past_the_limit(user, GuardedLookup.Kind.VIN_REFUSED)
    if Vehicle.objects.filter(vin=vin).exists() or Order.objects.filter(vin=vin).exclude(
            state=OrderState.CANCELLED).exists():
        raise RecordedRefusal({"vin": _("This VIN is another car's.")}, record=lambda: GuardedLookup.objects.create(
            user=user, kind=GuardedLookup.Kind.VIN_REFUSED, subject=vin))
    return vin


def _deliver(user, order: Order, plate: str) -> None:
    if not order.signed_at:
        raise ValidationError({"step": _("The contract is signed before the car is delivered.")})
    customer = order.opportunity.customer
    owned_before = Ownership.objects.filter(customer=customer).exists()
    today = timezone.localdate()
    order.vehicle = customer_services.add_vehicle(user, customer.pk, {
        "vin": order.vin, "model": order.model, "model_year": today.year, "purchase_date": today,
        "warranty_end": _years_after(today, WARRANTY_YEARS) - dt.timedelta(days=1),
        "price": order.amount, "plate": plate, "selling_dealer_id": order.opportunity.dealer_id})
    deal = order.opportunity
    if deal.is_open:
        opportunities.move(user, deal.pk, OpportunityStage.WON, _("Car delivered: %(vin)s") % {"vin": order.vin})
    customer.refresh_from_db()
    stage = Stage.LOYAL if owned_before else Stage.OWNER
    if customer.lifecycle_stage != stage:
        customer_services.change_stage(user, customer, stage, _("Order %(order)s delivered") % {"order": order})


def _years_after(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (28 February for a 29th)."""
    return day.replace(year=day.year + years, day=min(day.day, 28) if day.month == 2 else day.day)
