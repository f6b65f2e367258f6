"""Who pays for a work order, and why: the car's factory warranty (until a date and up to a
mileage) for repairs, an extended warranty after it, a maintenance package (a number of visits
within its dates) for services, else the customer. Every check that decided, or ruled an option
out, is a reason the advisor can read out to the customer.

Plain Python (no Django): the car and the contracts come in as data; the reasons are codes with
their figures, worded in the reader's language by service.wording.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

REPAIR, MAINTENANCE = "repair", "maintenance"
EXTENDED_WARRANTY = "extended_warranty"
WARRANTY, CONTRACT, PAID = "warranty", "contract", "paid"
FACTORY_WARRANTY_KM = 100_000  # the brand's new-car warranty: 3 years or 100,000 km, whichever comes first


@dataclass(frozen=True)
class Terms:
    """One service contract of the car."""

    id: int
    kind: str  # EXTENDED_WARRANTY or MAINTENANCE
    number: str
    starts: dt.date
    ends: dt.date
    max_km: int | None = None
    visits_left: int | None = None  # maintenance packages


@dataclass(frozen=True)
class Decision:
    billing: str  # WARRANTY, CONTRACT or PAID
    contract_id: int | None = None
    reasons: list[tuple[str, dict]] = field(default_factory=list)


def _contract_fails(terms: Terms, on: dt.date, mileage_km: int) -> tuple[str, dict] | None:
    """Why the contract does not pay on this day at this mileage; None when it does."""
    if on < terms.starts:
        return "contract_not_started", {"number": terms.number, "starts": terms.starts.isoformat()}
    if on > terms.ends:
        return "contract_ended", {"number": terms.number, "ends": terms.ends.isoformat()}
    if terms.max_km is not None and mileage_km > terms.max_km:
        return "contract_km_over", {"number": terms.number, "max_km": terms.max_km, "mileage": mileage_km}
    if terms.kind == MAINTENANCE and terms.visits_left is not None and terms.visits_left <= 0:
        return "contract_used_up", {"number": terms.number}
    return None


def _from_contracts(kind: str, on: dt.date, mileage_km: int, contracts: Iterable[Terms],
                    reasons: list) -> Decision:
    wanted = EXTENDED_WARRANTY if kind == REPAIR else MAINTENANCE
    usable = []
    for terms in sorted((c for c in contracts if c.kind == wanted), key=lambda c: (c.ends, c.id)):
        failure = _contract_fails(terms, on, mileage_km)
        if failure:
            reasons.append(failure)
        else:
            usable.append(terms)
    if usable:  # the one ending first is used first
        chosen = usable[0]
        reasons.append((f"{wanted}_pays", {"number": chosen.number, "ends": chosen.ends.isoformat(),
                                           "visits_left": chosen.visits_left}))
        return Decision(CONTRACT, chosen.id, reasons)
    if not any(c.kind == wanted for c in contracts):
        reasons.append((f"no_{wanted}", {}))
    return Decision(PAID, None, reasons)


def decide(kind: str, on: dt.date, mileage_km: int, warranty_end: dt.date | None, contracts: Iterable[Terms] = (),
           warranty_km: int = FACTORY_WARRANTY_KM) -> Decision:
    contracts = list(contracts)
    reasons: list[tuple[str, dict]] = []
    if kind == REPAIR:
        if warranty_end is None:
            reasons.append(("no_warranty_date", {}))
        elif on > warranty_end:
            reasons.append(("warranty_ended", {"ends": warranty_end.isoformat()}))
        elif mileage_km > warranty_km:
            reasons.append(("warranty_km_over", {"max_km": warranty_km, "mileage": mileage_km}))
        else:
            return Decision(WARRANTY, None, [("factory_warranty", {"ends": warranty_end.isoformat(),
                                                                  "max_km": warranty_km, "mileage": mileage_km})])
    else:
        reasons.append(("maintenance_not_warranty", {}))
    return _from_contracts(kind, on, mileage_km, contracts, reasons)
