"""The contact-center API: staffing (Erlang C / A per interval), the simulator, the voice channel.

Thin: the schemas check types, the services check ranges (a ValidationError naming the field,
turned into the API's one 422 shape by guanxi.core.api). Staffing and the simulator need the
"staffing" permission (supervisors, analysts, administrators), else 403. The PBX's call events
are signed by the PBX (webhooks.py), not sent by a user: refused with 401 unless signed, fresh and
new; their changes are audited as the system's. Click-to-dial is an agent's, within their scope.
"""

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from guanxi.contact_center import kpis, services, voice, webhooks
from guanxi.core.audit import Channel, audit_context
from guanxi.core.jobs import system_actor
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


class SignedBy:
    """Ninja authentication by a webhook signature (runs before the body is read as JSON); the view spends the
    nonce in the transaction of the work asked for (webhooks.spend_nonce)."""

    def __init__(self, source: str):
        self.source = source

    def __call__(self, request):
        try:
            webhooks.verify(self.source, request)
        except webhooks.RefusedWebhook as exc:
            raise HttpError(401, str(exc)) from None
        return self.source


class CallEventIn(Schema):
    event: Literal["offered", "answered", "missed", "dtmf", "transferred", "ended", "recording"]
    call_id: str = Field(max_length=100, description="The PBX's own id of the call, the same in each event.")
    caller: str = Field("", max_length=40, description="offered: the calling number (caller ID).")
    skill: str = Field("", max_length=40, description="offered: the skill the PBX's menu chose; transferred: "
                                                      "back to the queue for this skill.")
    extension: str = Field("", max_length=20, description="answered: where it was picked up; transferred: to whom.")
    digits: str = Field("", max_length=32, description="dtmf: the keys pressed.")
    url: str = Field("", max_length=500, description="recording: where the PBX keeps the recording.")
    at: dt.datetime | None = Field(None, description="When it happened (default: when Guanxi receives it); "
                                                     "without an offset, in the installation's time zone.")


class CallDecisionOut(Schema):
    action: Literal["connect", "queue", "voicemail", "hangup"]
    call_id: str
    contact_id: int
    state: str
    customer_id: int | None
    tier: str
    extension: str | None = Field(None, description="connect: the agent's extension to ring.")
    position: int | None = Field(None, description="queue: the caller's place among the waiting calls.")
    reason: str | None = Field(None, description="voicemail: why no agent can take the call.")


_CALL_EVENTS = {
    "offered": lambda e: voice.call_offered(e.call_id, e.caller, e.at, e.skill),
    "answered": lambda e: voice.call_answered(e.call_id, e.extension, e.at),
    "missed": lambda e: voice.call_missed(e.call_id, e.at),
    "dtmf": lambda e: voice.keys_pressed(e.call_id, e.digits, e.at),
    "transferred": lambda e: voice.call_transferred(e.call_id, e.extension, e.skill, e.at),
    "ended": lambda e: voice.call_ended(e.call_id, e.at),
    "recording": lambda e: voice.recording_ready(e.call_id, e.url, e.at),
}


@router.post("/cti/events", response=CallDecisionOut, auth=SignedBy("cti"))
def call_event(request, payload: CallEventIn):
    """A PBX reports a step of a call; the answer says what to do with it now (docs/contact-center-channels.md).

    Signed with the CTI secret (401 otherwise, or when replayed); an unknown call id, extension or bad
    keys are a 422 naming the field; an unknown caller is routed as an unknown party.
    """
    if payload.at is not None and timezone.is_naive(payload.at):
        payload.at = timezone.make_aware(payload.at)
    with audit_context(actor=system_actor(), channel=Channel.API), transaction.atomic():
        try:
            webhooks.spend_nonce("cti", request)
        except webhooks.RefusedWebhook as exc:
            raise HttpError(401, str(exc)) from None
        return _CALL_EVENTS[payload.event](payload)


class DialIn(Schema):
    customer_id: int
    purpose: str = Field("service", description="Why the customer is called: service, marketing, survey …; the "
                                                "customer must have agreed to calls for it.")


class DialOut(Schema):
    contact_id: int
    call_id: str


@router.post("/dial", response={201: DialOut})
def dial(request, payload: DialIn):
    """Click-to-dial: ring the signed-in agent's extension, then the customer (through the telephony gateway).

    422 with the reason for a customer without a callable phone, without consent for the purpose, outside
    the calling hours, or for a user who is no agent with an extension; 404 for a customer out of scope.
    """
    contact = voice.dial(request.user, payload.customer_id, payload.purpose)
    return Status(201, {"contact_id": contact.pk, "call_id": contact.external_id})


class KpiRowOut(Schema):
    label: str = Field("", description="The group: an interval's local start (HH:MM), a channel, tier, agent or "
                                       "queue.")
    offered: int = Field(description="Inbound contacts queued.")
    answered: int
    answered_in_time: int = Field(description="Answered within target_seconds of being queued.")
    abandoned: int = Field(description="Hung up before an answer, after more than 5 s (kpis.SHORT_ABANDON_SECONDS).")
    short_abandoned: int = Field(description="Hung up within 5 s: left out of abandonment and service levels.")
    service_level: float | None = Field(description="answered_in_time / answered.")
    service_level_with_abandons: float | None = Field(
        description="answered_in_time / (answered + abandoned after target_seconds).")
    asa_seconds: float | None = Field(description="Mean seconds from queued to answered.")
    aht_seconds: float | None = Field(description="Mean seconds from answered to completed (talk time).")
    abandonment: float | None = Field(description="abandoned / (offered - short_abandoned).")
    transfer_rate: float | None = Field(description="Answered contacts transferred / answered.")
    contacts_per_hour: float | None = Field(description="answered / the row's hours.")
    outbound_dialled: int
    outbound_answered: int


class KpisOut(Schema):
    start: dt.datetime
    end: dt.datetime
    by: str
    interval_minutes: int
    target_seconds: float
    rows: list[KpiRowOut]
    total: KpiRowOut


@router.get("/kpis", response=KpisOut)
def contact_center_kpis(request, day: dt.date | None = None, days: int = 1,
                        by: Literal["interval", "channel", "tier", "agent", "queue"] = "interval",
                        interval_minutes: int = 30, target_seconds: float = 20):
    """Contact-center figures from the event log for `days` local days from `day` (default today, at most 31),
    by interval, channel, tier, agent (who answered) or queue (the first skill asked); definitions in the
    fields' descriptions. The "staffing" permission's (supervisors, analysts, administrators), else 403."""
    return kpis.contact_center_kpis(request.user, day, days, by, interval_minutes, target_seconds)
