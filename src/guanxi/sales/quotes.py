"""Quotes: an offer for an opportunity at today's prices, with a discount a salesperson may give
alone up to APPROVAL_ABOVE percent (a manager approves more), valid until a day; sent, then
accepted or declined by the customer. An expired quote cannot be accepted: a new one is made at
the prices of its day. Printed as a PDF the customer can keep (quote_pdf)."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.outbox import emit
from guanxi.core.scoping import get_restricted, require
from guanxi.sales.models import Opportunity, Price, PriceList, Product, ProductKind, Quote, QuoteLine, QuoteStatus

APPROVAL_ABOVE = Decimal("5")  # percent of discount a salesperson gives without a manager
VALID_DAYS = 14
LINES_AT_MOST = 50  # as many as a new quote may have (schemas.QuoteIn)
NEXT = {  # the customer's answer, once the quote is out of approval
    QuoteStatus.SENT: (QuoteStatus.READY,),
    QuoteStatus.ACCEPTED: (QuoteStatus.READY, QuoteStatus.SENT),
    QuoteStatus.DECLINED: (QuoteStatus.READY, QuoteStatus.SENT),
}


def price_list_on(day: dt.date) -> PriceList | None:
    """The list valid on the day; of two, the one that started last."""
    valid = Q(valid_from__lte=day) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))
    return PriceList.objects.filter(valid).order_by("-valid_from", "-id").first()


def create_quote(user, opportunity_pk, data: dict) -> Quote:
    """A quote for an open deal: `lines` of {product_id, quantity, discount_percent}, priced from
    today's list; `discount_percent` on the whole; `valid_until` (default in VALID_DAYS days)."""
    require(user, Quote.permission_key, "add")
    opportunity = get_restricted(user, Opportunity, opportunity_pk, "change")
    if not opportunity.is_open:
        raise ValidationError({"opportunity": _("This deal is closed: reopen it to quote again.")})
    today = timezone.localdate()
    price_list = price_list_on(today)
    if price_list is None:
        raise ValidationError({"lines": _("No price list is valid today: head office sets the prices first.")})
    quote = Quote(opportunity=opportunity, price_list=price_list, created_by=user, note=data.get("note") or "",
                  discount_percent=data.get("discount_percent") or Decimal("0"),
                  valid_until=data.get("valid_until") or today + dt.timedelta(days=VALID_DAYS))
    errors = _errors_of(quote, exclude=["opportunity", "price_list", "approved_by", "created_by"])
    if quote.valid_until and quote.valid_until < today:
        errors["valid_until"] = _("A quote is valid from today on.")
    lines = _priced_lines(price_list, data.get("lines") or [], errors)
    errors.update(_configuration_errors(lines))
    if errors:
        raise ValidationError(errors)
    quote.status = QuoteStatus.AWAITING_APPROVAL if _needs_approval(quote, lines) else QuoteStatus.READY
    with transaction.atomic():
        quote.save()
        for line in lines:
            line.quote = quote
        QuoteLine.objects.bulk_create(lines)
        emit("sales.quote.created", quote, {"opportunity_id": opportunity.pk, "status": quote.status}, actor=user)
    return quote


def _errors_of(obj, exclude) -> dict:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        return {field: " ".join(messages) for field, messages in error.message_dict.items()}
    return {}


def _priced_lines(price_list: PriceList, given: list[dict], errors: dict) -> list[QuoteLine]:
    if not given:
        errors["lines"] = _("A quote needs at least one product.")
        return []
    prices = dict(Price.objects.filter(price_list=price_list, product__active=True,
                                       product_id__in=[line.get("product_id") for line in given])
                  .values_list("product_id", "amount"))
    lines = []
    for index, line in enumerate(given):
        if line.get("product_id") not in prices:
            errors[f"lines[{index}].product_id"] = _("Not on sale at a price of today's list.")
            continue
        priced = QuoteLine(product_id=line["product_id"], quantity=line.get("quantity") or 1,
                           unit_price=prices[line["product_id"]],
                           discount_percent=line.get("discount_percent") or Decimal("0"))
        priced.asked_as = index  # its place in the request, for errors found later
        errors.update({f"lines[{index}].{field}": message
                       for field, message in _errors_of(priced, exclude=["quote", "product"]).items()})
        lines.append(priced)
    return lines


def _configuration_errors(lines: list[QuoteLine]) -> dict:
    """A trim or an option fits the car model it belongs to: on a quote for a car, one for another
    model is refused (`lines[i].product_id`, i its place in the request)."""
    products = Product.objects.in_bulk([line.product_id for line in lines])
    cars = {product.pk for product in products.values() if product.kind == ProductKind.MODEL}
    errors = {}
    for index, line in enumerate(lines):
        part = products.get(line.product_id)
        if cars and part is not None and part.model_id is not None and part.model_id not in cars:
            place = getattr(line, "asked_as", index)
            errors[f"lines[{place}].product_id"] = _("%(product)s fits the %(model)s only.") % {
                "product": part.name, "model": part.model.name}
    return errors


def add_line(user, pk, line: dict) -> Quote:
    """Another product on a quote not yet sent, priced from the quote's own list. A discount above
    APPROVAL_ABOVE on it or on the whole sends the quote back to a manager (who is told): an
    approval covered what was on the quote then."""
    with transaction.atomic():
        quote = _locked(user, pk)
        if quote.status not in (QuoteStatus.READY, QuoteStatus.AWAITING_APPROVAL):
            raise ValidationError({"status": _("This quote is %(status)s: make a new one to change it.")
                                   % {"status": quote.get_status_display().lower()}})
        if not quote.opportunity.is_open:
            raise ValidationError({"opportunity": _("This deal is closed: reopen it to quote again.")})
        having = list(quote.lines.all())
        if len(having) >= LINES_AT_MOST:
            raise ValidationError({"product_id": _("A quote has at most %(most)d lines.") % {"most": LINES_AT_MOST}})
        errors = {}
        added = _priced_lines(quote.price_list, [line], errors)
        errors.update(_configuration_errors([*having, *added]))
        if errors:  # named as the request names them: the line's own fields
            raise ValidationError({key.split(".", 1)[-1]: message for key, message in errors.items()})
        added[0].quote = quote
        added[0].save()
        if _needs_approval(quote, added):
            quote.status, quote.approved_by, quote.approved_at = QuoteStatus.AWAITING_APPROVAL, None, None
        quote.save()
        emit("sales.quote.changed", quote, {"opportunity_id": quote.opportunity_id, "status": quote.status},
             actor=user)
    return quote


def _needs_approval(quote: Quote, lines: list[QuoteLine]) -> bool:
    return max([quote.discount_percent, *(line.discount_percent for line in lines)]) > APPROVAL_ABOVE


def _locked(user, pk, action: str = "change") -> Quote:
    found = get_restricted(user, Quote, pk, action)
    return Quote.objects.select_for_update().get(pk=found.pk)


def approve(user, pk) -> Quote:
    """A manager lets a discount above the threshold go out."""
    require(user, Quote.permission_key, "approve")
    with transaction.atomic():
        quote = _locked(user, pk, "approve")
        if quote.status != QuoteStatus.AWAITING_APPROVAL:
            raise ValidationError({"status": _("This quote is not waiting for approval.")})
        quote.status, quote.approved_by, quote.approved_at = QuoteStatus.READY, user, timezone.now()
        quote.save()
        emit("sales.quote.approved", quote, {"opportunity_id": quote.opportunity_id}, actor=user)
    return quote


def answer(user, pk, status: str) -> Quote:
    """Sent to the customer, then accepted or declined; an expired quote is not accepted."""
    if status not in NEXT:
        raise ValidationError({"status": _("A quote is marked sent, accepted or declined.")})
    with transaction.atomic():
        quote = _locked(user, pk)
        if quote.status == QuoteStatus.AWAITING_APPROVAL:
            raise ValidationError({"status": _("The discount waits for a manager's approval.")})
        if quote.status not in NEXT[status]:
            raise ValidationError({"status": _("This quote is %(status)s already.")
                                   % {"status": quote.get_status_display().lower()}})
        if status == QuoteStatus.ACCEPTED and quote.expired:
            raise ValidationError({"valid_until": _("This quote expired on %(day)s: make a new one at today's "
                                                    "prices.") % {"day": quote.valid_until.isoformat()}})
        quote.status = status
        quote.save()
        emit(f"sales.quote.{status}", quote, {"opportunity_id": quote.opportunity_id}, actor=user)
    return quote
