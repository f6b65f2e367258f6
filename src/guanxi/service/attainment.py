"""How often the targets were met: per group (ticket type and tier, or responsible unit) the
tickets opened in a period, their first responses and resolutions in time and late, and the
share met among those decided. A ticket still running within its time is not counted yet; one
past its due time without an answer counts as missed at once. One grouped query over the scope."""

from django.db.models import Avg, Count, F, Q

from guanxi.service.models import LOW_CSAT, Ticket

GROUPINGS = {"kind": ("kind", "tier"), "unit": ("org_unit_id", "org_unit__name")}

RESPONSE_MET = Q(first_responded_at__isnull=False, first_responded_at__lte=F("first_response_due"))
RESPONSE_MISSED = Q(response_breached_at__isnull=False) | Q(first_responded_at__gt=F("first_response_due"))
RESOLUTION_MET = Q(resolved_at__isnull=False, resolution_breached_at__isnull=True,
                   resolved_at__lte=F("resolution_due"))
RESOLUTION_MISSED = Q(resolution_breached_at__isnull=False) | Q(resolved_at__gt=F("resolution_due"))


def _share(met: int, missed: int) -> float | None:
    return round(100 * met / (met + missed), 1) if met + missed else None


def attainment(tickets, by: str = "kind") -> list[dict]:
    """`tickets`: the restricted, filtered tickets; `by`: "kind" (type × tier) or "unit"."""
    fields = GROUPINGS[by]
    rows = (tickets.order_by().values(*fields)
            .annotate(opened=Count("pk"), response_met=Count("pk", filter=RESPONSE_MET),
                      response_missed=Count("pk", filter=RESPONSE_MISSED),
                      resolution_met=Count("pk", filter=RESOLUTION_MET),
                      resolution_missed=Count("pk", filter=RESOLUTION_MISSED),
                      reopened=Count("pk", filter=Q(reopened__gt=0)))
            .order_by(*fields))
    return [{**row, "response_share": _share(row["response_met"], row["response_missed"]),
             "resolution_share": _share(row["resolution_met"], row["resolution_missed"])} for row in rows]


def totals(rows: list[dict]) -> dict:
    keys = ("opened", "response_met", "response_missed", "resolution_met", "resolution_missed", "reopened")
    summed = {key: sum(row[key] for row in rows) for key in keys}
    return {**summed, "response_share": _share(summed["response_met"], summed["response_missed"]),
            "resolution_share": _share(summed["resolution_met"], summed["resolution_missed"])}


def labelled(rows: list[dict], by: str) -> list[dict]:
    """Rows with a `label` in the reader's language (type · tier, or the unit's name)."""
    if by == "unit":
        return [{**row, "label": row["org_unit__name"]} for row in rows]
    kinds = dict(Ticket._meta.get_field("kind").choices)
    tiers = dict(Ticket._meta.get_field("tier").choices)
    return [{**row, "label": f"{kinds.get(row['kind'], row['kind'])} · {tiers.get(row['tier'], row['tier'])}"}
            for row in rows]



def satisfaction(surveys) -> list[dict]:
    """Per unit surveyed: answers, average CSAT, NPS (promoters minus detractors, in points) and
    low scores, the best first: the stations' ranking."""
    rows = (surveys.filter(state="answered").order_by().values("station_id", "station__name")
            .annotate(answers=Count("pk"), average_csat=Avg("csat"), nps_answers=Count("nps"),
                      promoters=Count("pk", filter=Q(nps__gte=9)), detractors=Count("pk", filter=Q(nps__lte=6)),
                      low=Count("pk", filter=Q(csat__lte=LOW_CSAT))))
    ranked = [{"label": row["station__name"], "answers": row["answers"], "csat": round(row["average_csat"], 2),
               "nps": round(100 * (row["promoters"] - row["detractors"]) / row["nps_answers"])
               if row["nps_answers"] else None, "low": row["low"]} for row in rows]
    return sorted(ranked, key=lambda row: (-row["csat"], -row["answers"], row["label"]))
