"""Interactions: the timeline of what happened between a customer and the brand.

The generator decides *that* something happened on a given day (a purchase, a service visit);
this module turns it into the interaction row: the subject in Chinese, a plausible channel
and direction, who handled it (dealer, service unit, call center or head office, and the
person there when the unit has staff in the demo: see `Staff`), a time in local business
hours stored in UTC, the amount, and a link to the vehicle concerned. Every amount also goes
into the customer's running spend, so lifetime_spend is by construction the sum of the
timeline's amounts.
"""

import datetime as dt
import random
from decimal import Decimal
from typing import NamedTuple

UTC = dt.UTC
YEAR = 365  # days: the generator counts in date ordinals
_CHINA_UTC_OFFSET = dt.timedelta(hours=8)
_OPENING, _CLOSING = 8 * 3600 + 1800, 20 * 3600 + 1800  # 08:30 - 20:30 local time


class Handler:
    """Who handles an interaction of a kind; resolved to an org unit id per customer."""

    DEALER = "dealer"
    SERVICE = "service"
    CALL_CENTER = "cc"
    HEAD_OFFICE = "hq"


# Who logs an interaction: org unit id, handler -> the user ids of the unit's staff in that role
# (orgtree.snapshot_network reads them; empty when the demo users do not exist yet).
Staff = dict[tuple[int, str], tuple[int, ...]]


class Subject(NamedTuple):
    text: str
    channels: tuple[str, ...]
    direction: str
    handler: str


SUBJECTS = {
    "inquiry": Subject("新车咨询", ("phone", "wechat", "visit", "phone"), "in", Handler.CALL_CENTER),
    "invitation": Subject("试驾邀约", ("phone", "sms", "wechat"), "out", Handler.DEALER),
    "test_drive": Subject("到店试驾", ("visit",), "in", Handler.DEALER),
    "campaign": Subject("活动邀请", ("sms", "email", "wechat"), "out", Handler.HEAD_OFFICE),
    "purchase": Subject("新车购买", ("visit",), "in", Handler.DEALER),
    "fleet_purchase": Subject("大客户批量采购", ("visit",), "in", Handler.DEALER),
    "used_purchase": Subject("二手车购买", ("visit",), "in", Handler.DEALER),
    "trade_in": Subject("二手车置换", ("visit",), "in", Handler.DEALER),
    "delivery_call": Subject("交车回访", ("phone",), "out", Handler.CALL_CENTER),
    "booking": Subject("保养预约", ("phone", "wechat", "phone"), "in", Handler.CALL_CENTER),
    "maintenance": Subject("定期保养", ("visit",), "in", Handler.SERVICE),
    "repair": Subject("故障维修", ("visit",), "in", Handler.SERVICE),
    "service_call": Subject("服务回访", ("phone", "sms"), "out", Handler.CALL_CENTER),
    "complaint": Subject("投诉处理", ("phone", "wechat", "email"), "in", Handler.CALL_CENTER),
    "complaint_call": Subject("投诉回访", ("phone",), "out", Handler.CALL_CENTER),
    "insurance": Subject("续保提醒", ("sms", "phone"), "out", Handler.SERVICE),
    "key_account": Subject("大客户回访", ("phone", "visit"), "out", Handler.DEALER),
    "winback": Subject("流失客户挽回", ("phone", "sms"), "out", Handler.CALL_CENTER),
    "club_event": Subject("车主俱乐部活动", ("event",), "in", Handler.DEALER),
}
# what the dealers' owners' clubs do (the summary of a club event)
CLUB_EVENTS = ("自驾游", "亲子嘉年华", "新车品鉴会", "公益植树", "用车知识讲堂", "车友摄影大赛")


class Timeline:
    """Collects the interaction rows of one chunk (columns as in tables.INTERACTIONS)."""

    def __init__(self, rng: random.Random, next_id, call_center_id: int, hq_id: int, vehicle_type_id: int,
                 last_day: int, staff: Staff | None = None):
        self.rng = rng
        self.staff = staff or {}
        self.next_id = next_id
        self.call_center_id = call_center_id
        self.hq_id = hq_id
        self.vehicle_type_id = vehicle_type_id
        self.last_day = last_day
        self.rows: list[tuple] = []

    def moment(self, day: int) -> dt.datetime:
        """An aware UTC datetime during local business hours of the day (a date ordinal)."""
        return self._utc(day, self.rng.randrange(_OPENING, _CLOSING))

    def opening(self, day: int) -> dt.datetime:
        """The opening time of the day: a customer record exists before anything that happens that day."""
        return self._utc(day, _OPENING)

    @staticmethod
    def _utc(day: int, local_seconds: int) -> dt.datetime:
        local = dt.datetime.fromordinal(day) + dt.timedelta(seconds=local_seconds)
        return (local - _CHINA_UTC_OFFSET).replace(tzinfo=UTC)

    def add(self, customer, day: int, kind: str, *, service_unit_id: int | None = None, amount: int | None = None,
            vehicle_id: int | None = None, summary: str = "") -> None:
        """Record one interaction unless it would lie in the future; amounts add to the customer's spend."""
        if day > self.last_day:
            return
        subject = SUBJECTS[kind]
        unit_id = {
            Handler.DEALER: customer.dealer.id,
            Handler.SERVICE: service_unit_id or customer.dealer.id,
            Handler.CALL_CENTER: self.call_center_id,
            Handler.HEAD_OFFICE: self.hq_id,
        }[subject.handler]
        if amount is not None:
            customer.spend += amount
        customer.last_day = max(customer.last_day, day)
        row_id = self.next_id()
        self.rows.append((
            row_id, customer.id, self.rng.choice(subject.channels), subject.direction, self.moment(day),
            unit_id, self._user(unit_id, subject.handler, customer.id, row_id), subject.text, summary,
            None if amount is None else Decimal(amount), self.vehicle_type_id if vehicle_id else None, vehicle_id,
        ))

    def _user(self, unit_id: int, handler: str, customer_id: int, row_id: int) -> int | None:
        """Who of the unit's staff logged it: at a dealer or a workshop the customer's own consultant
        or advisor, at the call center whichever agent took the call. Chosen from the ids, not drawn,
        so that the rest of the data set is the same whether the demo users exist or not."""
        staff = self.staff.get((unit_id, handler))
        if not staff:
            return None
        return staff[(row_id if handler == Handler.CALL_CENTER else customer_id) % len(staff)]
