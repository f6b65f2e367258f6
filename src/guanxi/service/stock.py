"""Stock changes, each one conditional update so that two advisors at once can never reserve,
use or send more than there is (the database's check constraints are the last guard). A change
that leaves a station's free stock at or under its reorder level tells the station."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from guanxi.core.models import OrgUnit, OrgUnitKind
from guanxi.core.outbox import emit
from guanxi.service.models import Stock, StockMove, StockMoveKind


def _row(station_id, part_id) -> Stock:
    stock, _created = Stock.objects.get_or_create(station_id=station_id, part_id=part_id)
    return stock


def _refuse_short(stock: Stock, quantity: int, field: str) -> None:
    stock.refresh_from_db()
    raise ValidationError({field: _("Only %(free)s of %(part)s free at this station (%(wanted)s wanted).") % {
        "free": stock.free, "part": stock.part.code, "wanted": quantity}})


def _tell_if_low(stock: Stock, taken: int) -> None:
    """Once, when this change took the free stock down to the reorder level or under it."""
    stock.refresh_from_db()
    if stock.reorder_level and stock.free <= stock.reorder_level < stock.free + taken:
        emit("service.stock.low", stock, {"station_id": stock.station_id, "part_id": stock.part_id,
                                          "free": stock.free, "reorder_level": stock.reorder_level})


def reserve(station_id, part_id, quantity: int, field: str = "quantity") -> Stock:
    with transaction.atomic():
        stock = _row(station_id, part_id)
        if not Stock.objects.filter(pk=stock.pk, on_hand__gte=F("reserved") + quantity).update(
                reserved=F("reserved") + quantity):
            _refuse_short(stock, quantity, field)
        _tell_if_low(stock, quantity)
    return stock


def release(station_id, part_id, quantity: int) -> None:
    Stock.objects.filter(station_id=station_id, part_id=part_id, reserved__gte=quantity).update(
        reserved=F("reserved") - quantity)


def consume(station_id, part_id, quantity: int, work_order, user) -> None:
    """What was reserved leaves the shelf for the work order."""
    stock = _row(station_id, part_id)
    if not Stock.objects.filter(pk=stock.pk, reserved__gte=quantity, on_hand__gte=quantity).update(
            on_hand=F("on_hand") - quantity, reserved=F("reserved") - quantity):
        _refuse_short(stock, quantity, "part_lines")
    StockMove.objects.create(stock=stock, kind=StockMoveKind.CONSUMED, quantity=-quantity, work_order=work_order,
                             user=user)


def receive(user, stock: Stock, quantity: int, note: str = "") -> Stock:
    if quantity < 1:
        raise ValidationError({"quantity": _("Receive at least one.")})
    with transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + quantity)
        StockMove.objects.create(stock=stock, kind=StockMoveKind.RECEIPT, quantity=quantity, note=note, user=user)
    stock.refresh_from_db()
    return stock


def transfer(user, stock: Stock, to_station_id, quantity: int) -> Stock:
    """Sends free stock to another station (what is reserved stays for its work orders)."""
    if quantity < 1:
        raise ValidationError({"quantity": _("Send at least one.")})
    if to_station_id == stock.station_id or not OrgUnit.objects.filter(
            pk=to_station_id, kind__in=(OrgUnitKind.SERVICE_STATION, OrgUnitKind.DEALER)).exists():
        raise ValidationError({"to_station": _("Choose another station.")})
    with transaction.atomic():
        if not Stock.objects.filter(pk=stock.pk, on_hand__gte=F("reserved") + quantity).update(
                on_hand=F("on_hand") - quantity):
            _refuse_short(stock, quantity, "quantity")
        target = _row(to_station_id, stock.part_id)
        Stock.objects.filter(pk=target.pk).update(on_hand=F("on_hand") + quantity)
        StockMove.objects.create(stock=stock, kind=StockMoveKind.TRANSFER_OUT, quantity=-quantity,
                                 other_station_id=to_station_id, user=user)
        StockMove.objects.create(stock=target, kind=StockMoveKind.TRANSFER_IN, quantity=quantity,
                                 other_station_id=stock.station_id, user=user)
        _tell_if_low(stock, quantity)
    stock.refresh_from_db()
    return stock
