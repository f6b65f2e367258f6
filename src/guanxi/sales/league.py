"""Head office's view of the dealers' follow-up: per dealer, the leads it received in a period, how
many it accepted and called within the service levels, converted and lost (and the commonest
reason), and how old the leads still open are. Grouped queries over the leads the user may see, so
a dealer reads its own row and a region its dealers'."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.utils import timezone

from guanxi.core.models import OrgUnit
from guanxi.core.scoping import reading_the_whole_scope
from guanxi.sales.models import OPEN_STATUSES, LeadStatus, LostReason

# the ages open leads are counted in: a lead nobody called within a day is "as fragile as a chick"
AGE_BANDS = ((0, 1), (1, 3), (3, 7), (7, 30), (30, None))


@dataclass
class DealerRow:
    dealer_id: int
    dealer: str
    received: int
    accepted_in_time: int
    called_in_time: int
    converted: int
    lost: int
    waiting: int
    top_lost_reason: str = ""
    shares: dict = field(default_factory=dict)

    def __post_init__(self):
        base = self.received or None
        self.shares = {name: (getattr(self, name) / base if base else None)
                       for name in ("accepted_in_time", "called_in_time", "converted", "lost")}


def league(leads) -> list[DealerRow]:
    """One row per dealer of the leads (restricted, filtered: LeagueFilterSet); the best
    followers-up (share called in time, then converted) first."""
    handed = leads.filter(dealer__isnull=False)
    with reading_the_whole_scope():
        counted = list(handed.order_by().values("dealer_id").annotate(
            received=Count("pk"),
            accepted_in_time=Count("pk", filter=Q(accepted_at__isnull=False, accepted_at__lte=F("accept_by"))),
            called_in_time=Count("pk", filter=Q(contacted_at__isnull=False, contacted_at__lte=F("contact_by"))),
            converted=Count("pk", filter=Q(status=LeadStatus.CONVERTED)),
            lost=Count("pk", filter=Q(status=LeadStatus.LOST)),
            waiting=Count("pk", filter=Q(status__in=(LeadStatus.ASSIGNED, LeadStatus.ACCEPTED))),
        ))
        reasons = list(handed.filter(status=LeadStatus.LOST, lost_reason__isnull=False).order_by()
                       .values_list("dealer_id", "lost_reason_id").annotate(n=Count("pk")))
    names = dict(OrgUnit.objects.filter(pk__in=[row["dealer_id"] for row in counted]).values_list("pk", "name"))
    reason_names = {reason.pk: str(reason) for reason in LostReason.objects.all()}
    commonest: dict[int, tuple[int, int]] = {}
    for dealer_id, reason_id, n in reasons:
        if n > commonest.get(dealer_id, (0, 0))[0]:
            commonest[dealer_id] = (n, reason_id)
    rows = [DealerRow(dealer=names.get(row["dealer_id"], "—"),
                      top_lost_reason=reason_names.get(commonest.get(row["dealer_id"], (0, None))[1], ""), **row)
            for row in counted]
    return sorted(rows, key=lambda row: (-(row.shares["called_in_time"] or 0), -(row.shares["converted"] or 0),
                                         row.dealer))


def ageing(leads, now: dt.datetime | None = None) -> list[dict]:
    """Open leads by age band and status: how long prospects have been waiting."""
    now = now or timezone.now()
    bands = []
    for low, high in AGE_BANDS:
        band = Q(created_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            band &= Q(created_at__gt=now - dt.timedelta(days=high))
        bands.append(((low, high), band))
    with reading_the_whole_scope():
        counts = leads.filter(status__in=OPEN_STATUSES).order_by().aggregate(**{
            f"{status}_{index}": Count("pk", filter=Q(status=status) & band)
            for index, (_days, band) in enumerate(bands) for status in OPEN_STATUSES})
    return [{"days": days, "counts": [counts[f"{status}_{index}"] for status in OPEN_STATUSES]}
            for index, (days, _band) in enumerate(bands)]
