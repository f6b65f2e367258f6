"""The contact-center API: staffing (Erlang C / A per interval) and the simulator.

Thin: the schemas check types, the services check ranges (a ValidationError naming the field,
turned into the API's one 422 shape by guanxi.core.api); both need the "staffing" permission
(supervisors, analysts, administrators), else 403.
"""

from typing import Any

from ninja import Field, Router, Schema

from guanxi.contact_center import services
from guanxi.core.scoping import require

router = Router(tags=["contact center"])


class StaffingIn(Schema):
    volumes: list[float] = Field(description="Contacts offered in each interval, in order.")
    interval_minutes: float = 30
    aht_seconds: float = Field(180, description="Average handle time.")
    target_answer_seconds: float = Field(20, description="Answer within this many seconds ...")
    target_service_level: float = Field(0.8, description="... this share of contacts (0-1).")
    max_occupancy: float = Field(1.0, description="Cap on agents' busy share (0-1]; 0.85 is common.")
    shrinkage: float = Field(0.0, description="Share of paid time off the phones (breaks, training, absence).")
    patience_seconds: float | None = Field(
        None, description="Mean patience: Erlang A with abandonment; omit for Erlang C."
    )


class IntervalOut(Schema):
    volume: float
    traffic: float = Field(description="Offered load in Erlang.")
    agents: int = Field(description="Agents needed on the phones.")
    scheduled_agents: int = Field(description="Agents to schedule, after shrinkage.")
    service_level: float
    p_wait: float
    asa_seconds: float
    occupancy: float
    abandonment: float


class StaffingOut(Schema):
    model: str
    intervals: list[IntervalOut]


@router.post("/staffing", response=StaffingOut)
def staffing(request, payload: StaffingIn):
    """Agents needed per interval for a service-level target (Erlang C; Erlang A with `patience_seconds`)."""
    require(request.user, "contact_center.staffing", "view")
    rows = services.staffing_plan(**payload.model_dump())
    return {"model": "erlang_a" if payload.patience_seconds else "erlang_c", "intervals": rows}


class ArrivalIn(Schema):
    seconds: float = Field(description="When the contact came, in seconds from the start of the run.")
    tier: str = "standard"
    handle_seconds: float | None = Field(None, description="Its handle time if known; else drawn (mean AHT).")


class SimulateIn(Schema):
    agents: int | list[int] = Field(
        description="Agents on duty: one number, or a schedule with one number per interval (those going off "
        "duty finish the contact in hand and take no new one)."
    )
    calls_per_interval: float | list[float] | None = Field(
        None, description="One number (repeated over `hours` or the schedule's intervals) or one per interval."
    )
    arrivals: list[ArrivalIn] | None = Field(
        None,
        description="Replay these contacts instead of Poisson arrivals (calls_per_interval, hours and "
        "vip_share are then not used).",
    )
    interval_minutes: float = 30
    aht_seconds: float = 180
    patience_seconds: float | None = None
    vip_share: float = 0.2
    policy: dict[str, Any] | None = Field(None, description="A routing policy; default: the value policy.")
    hours: float = 8
    seed: int = 1
    target_seconds: float = 20


class TierOut(Schema):
    offered: int
    answered: int
    abandoned: int
    service_level: float | None
    asa_seconds: float | None
    abandonment: float | None


class IntervalTierOut(TierOut):
    agents: int = Field(description="Agents on duty in the interval.")


class SimulateOut(Schema):
    tiers: dict[str, TierOut]
    occupancy: float = Field(description="Handle time while on duty over the agent time scheduled.")
    overtime_seconds: float = Field(description="Handle time of agents finishing a contact after their shift.")
    decisions: int
    intervals: int
    by_interval: list[IntervalTierOut] = Field(description="Contacts by the interval they arrived in.")
    seconds: float


@router.post("/simulate", response=SimulateOut)
def simulate(request, payload: SimulateIn):
    """One seeded run of the discrete-event simulator driving the real routing engine.

    Bounded so a request stays within seconds: at most 100,000 contacts, 2,000 agents and 10 million
    contacts x agents (422 above, naming the field); the `guanxi simulate` command has no bound.
    """
    require(request.user, "contact_center.staffing", "view")
    return services.run_simulation(
        **payload.model_dump(),
        max_contacts=services.API_MAX_CONTACTS,
        max_agents=services.API_MAX_AGENTS,
        max_work=services.API_MAX_WORK,
    )
