"""The contact-center API: staffing (Erlang C / A per interval), the simulator, the voice and text channels.

Thin: the schemas check types, the services check ranges (a ValidationError naming the field,
turned into the API's one 422 shape by guanxi.core.api). Staffing and the simulator need the
"staffing" permission (supervisors, analysts, administrators), else 403. The PBX's call events
are signed by the PBX (webhooks.py), not sent by a user: refused with 401 unless signed, fresh and
new; their changes are audited as the system's; so are an SMS provider's and WeChat's messages. Click-to-dial
and a reply are an agent's, within their scope.
"""

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from guanxi.contact_center import kpis, messaging, outbound, planning, voice, wallboard, webhooks
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
    rows = planning.staffing_plan(**payload.model_dump())
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
    return planning.run_simulation(
        **payload.model_dump(),
        max_contacts=planning.API_MAX_CONTACTS,
        max_agents=planning.API_MAX_AGENTS,
        max_work=planning.API_MAX_WORK,
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
    event: Literal["offered", "answered", "held", "retrieved", "missed", "dtmf", "no_input", "transferred", "ended",
                   "recording"]
    call_id: str = Field(max_length=100, description="The PBX's own id of the call, the same in each event.")
    caller: str = Field("", max_length=40, description="offered: the calling number (caller ID).")
    skill: str = Field("", max_length=40, description="offered: the skill the PBX's menu chose; transferred: "
                                                      "back to the queue for this skill.")
    extension: str = Field("", max_length=20, description="answered: where it was picked up; transferred: to whom.")
    digits: str = Field("", max_length=32, description="dtmf: the keys pressed (no_input: none in time).")
    url: str = Field("", max_length=500, description="recording: where the PBX keeps the recording.")
    at: dt.datetime | None = Field(None, description="When it happened (default: when Guanxi receives it); "
                                                     "without an offset, in the installation's time zone.")


class CallDecisionOut(Schema):
    action: Literal["connect", "queue", "voicemail", "hangup", "menu", "play"]
    call_id: str
    contact_id: int | None = Field(description="None while the caller is in the voice menu.")
    state: str = Field(description="The contact's state, or \"ivr\" in the voice menu.")
    customer_id: int | None
    tier: str
    extension: str | None = Field(None, description="connect: the agent's extension to ring.")
    position: int | None = Field(None, description="queue: the caller's place among the waiting calls.")
    reason: str | None = Field(None, description="voicemail: why no agent can take the call.")
    prompt: str | None = Field(None, description="menu, play: the menu to read out, then wait for a key.")
    options: dict[str, str] | None = Field(None, description="menu, play: each key and its label.")
    reprompt: bool | None = Field(None, description="menu: read again after a wrong or missing key.")
    title: str | None = Field(None, description="play: the standard question answered.")
    text: str | None = Field(None, description="play: the answer to read out before the menu again.")


_CALL_EVENTS = {
    "offered": lambda e: voice.call_offered(e.call_id, e.caller, e.at, e.skill),
    "answered": lambda e: voice.call_answered(e.call_id, e.extension, e.at),
    "held": lambda e: voice.call_held(e.call_id, e.at),
    "retrieved": lambda e: voice.call_retrieved(e.call_id, e.at),
    "missed": lambda e: voice.call_missed(e.call_id, e.at),
    "dtmf": lambda e: voice.keys_pressed(e.call_id, e.digits, e.at),
    "no_input": lambda e: voice.no_input(e.call_id, e.at),
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
    aht_seconds: float | None = Field(description="Mean handle time: seconds from answered to completed (talk and "
                                                  "hold), plus the wrap-up after the channel ended it.")
    hold_seconds: float | None = Field(description="Mean seconds on hold (the PBX's held to retrieved).")
    wrap_seconds: float | None = Field(description="Mean seconds from the end of the channel to the agent's Done.")
    abandonment: float | None = Field(description="abandoned / (offered - short_abandoned).")
    transfer_rate: float | None = Field(description="Answered contacts transferred / answered.")
    first_contact_resolution: float | None = Field(
        description="Answered contacts of known customers who did not come back (another inbound contact, any "
                    "channel) within 7 days / those whose answer is known: came back, or 7 days passed (kpis.py).")
    contacts_per_hour: float | None = Field(description="answered / the row's hours.")
    outbound_dialled: int
    outbound_answered: int
    handling_seconds: float | None = Field(
        description="Agents' time holding contacts (answer or dialling to completion or transfer, plus after-call "
                    "work), contacts held at once counted once; rows by interval and agent and the total only.")
    available_seconds: float | None = Field(description="Agents' time available for a contact and not handling one.")
    logged_in_seconds: float | None = Field(description="Agents' time in any state but offline, breaks included.")
    occupancy: float | None = Field(description="handling_seconds / (handling_seconds + available_seconds).")
    utilisation: float | None = Field(description="handling_seconds / logged_in_seconds.")


class PlanRowOut(Schema):
    key: dt.datetime = Field(description="The interval's start.")
    label: str
    forecast: float = Field(description="Contacts the plan forecast in the interval (a plan interval's forecast "
                                        "spread evenly over its minutes).")
    offered: int | None = Field(description="Inbound contacts queued in the interval (None: not begun yet).")
    planned_agents: float = Field(description="Agents the plan scheduled, on average over the interval.")
    staffed_agents: float | None = Field(description="Agents logged in, on average over the interval (None: not "
                                                     "begun yet).")


class PlanComparisonOut(Schema):
    rows: list[PlanRowOut]
    forecast: float = Field(description="Contacts forecast in the intervals begun so far.")
    offered: int = Field(description="Contacts offered in the intervals begun so far.")
    forecast_error: float | None = Field(description="Sum of |offered - forecast| over the intervals begun / their "
                                                     "forecast (weighted absolute percentage error, as a fraction).")
    staffed_share: float | None = Field(description="Agent-hours logged in / agent-hours the plan scheduled.")
    saved_at: dt.datetime
    saved_by: str
    note: str


class KpisOut(Schema):
    start: dt.datetime
    end: dt.datetime
    by: str
    interval_minutes: int
    target_seconds: float
    rows: list[KpiRowOut]
    total: KpiRowOut
    plan: PlanComparisonOut | None = Field(
        None, description="One day by interval with a staffing plan saved for it: the day against the plan.")


@router.get("/kpis", response=KpisOut)
def contact_center_kpis(request, day: dt.date | None = None, days: int = 1,
                        by: Literal["interval", "channel", "tier", "agent", "queue"] = "interval",
                        interval_minutes: int = 30, target_seconds: float = 20):
    """Contact-center figures from the event log for `days` local days from `day` (default today, at most 31),
    by interval, channel, tier, agent (who answered) or queue (the first skill asked); definitions in the
    fields' descriptions. The "staffing" permission's (supervisors, analysts, administrators), else 403."""
    return kpis.contact_center_kpis(request.user, day, days, by, interval_minutes, target_seconds)


class TextMessageIn(Schema):
    message_id: str = Field(min_length=1, max_length=100, description="The provider's own id of the message: a "
                                                                      "retry with the same id files nothing new.")
    sender: str = Field(min_length=1, max_length=200, description="SMS: the sender's phone number; WeChat: the "
                                                                  "sender's openid.")
    recipient: str = Field("", max_length=200, description="Our number, or our official account's id.")
    text: str = Field(min_length=1, max_length=4000)
    at: dt.datetime | None = Field(None, description="When it was sent (default: when Guanxi receives it); "
                                                     "without an offset, in the installation's time zone.")


class TextMessageOut(Schema):
    id: int = Field(description="The message in Guanxi.")
    contact_id: int
    customer_id: int | None = Field(description="The customer the sender was identified as; null: unknown party.")
    state: str = Field(description="The contact's: waiting, offered, assigned …")
    duplicate: bool = Field(description="The provider sent this message before: nothing new was filed.")


def _text_message(source: str, request, payload: TextMessageIn) -> dict:
    at = payload.at or timezone.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    with audit_context(actor=system_actor(), channel=Channel.API), transaction.atomic():
        try:
            webhooks.spend_nonce(source, request)
        except webhooks.RefusedWebhook as exc:
            raise HttpError(401, str(exc)) from None
        message, new = messaging.receive(messaging.Incoming(
            channel=source, external_id=payload.message_id, sender=payload.sender.strip(),
            recipient=payload.recipient.strip(), body=payload.text, at=at))
        contact = message.contact
        contact.refresh_from_db()
    return {"id": message.pk, "contact_id": contact.pk, "customer_id": contact.customer_id, "state": contact.state,
            "duplicate": not new}


@router.post("/sms/events", response=TextMessageOut, auth=SignedBy("sms"))
def sms_event(request, payload: TextMessageIn):
    """An SMS provider hands over a text a customer sent (docs/contact-center-channels.md): filed on the open SMS
    contact of that number, or routed as a new contact. Signed with the SMS secret (401 otherwise, or when
    replayed); a bad field is a 422 naming it."""
    return _text_message("sms", request, payload)


@router.post("/wechat/events", response=TextMessageOut, auth=SignedBy("wechat"))
def wechat_event(request, payload: TextMessageIn):
    """A customer's message to the official account, as the WeChat adapter hands it over: as for SMS, the sender
    named by openid. Signed with the WeChat secret."""
    return _text_message("wechat", request, payload)


class ReplyIn(Schema):
    body: str = Field(description="The text; at most 20,000 characters by e-mail, 500 by SMS, 600 by WeChat.")
    subject: str = Field("", max_length=200, description="E-mail only; default: “Re: ” and the customer's subject.")


class ReplyOut(Schema):
    id: int
    contact_id: int
    external_id: str = Field(description="E-mail: the reply's Message-ID; SMS / WeChat: the id the gateway was "
                                         "given.")


@router.post("/contacts/{contact_id}/reply", response={201: ReplyOut})
def reply(request, contact_id: int, payload: ReplyIn):
    """The signed-in agent answers the customer on a text contact they are handling: by e-mail (threaded under the
    customer's mail), SMS or WeChat. 403 for a user off the roster, 404 for a contact not theirs, 422 with the
    reason otherwise (not yet accepted, over, empty or too long, or the server did not take it)."""
    message = messaging.reply(request.user, contact_id, payload.body, payload.subject)
    return Status(201, {"id": message.pk, "contact_id": message.contact_id, "external_id": message.external_id})


class WallboardQueueOut(Schema):
    channel: str
    queue: str = Field(description="The first skill the contacts ask for, \"general\" when none.")
    label: str
    waiting: int = Field(description="Contacts waiting now.")
    longest_wait_seconds: float | None = Field(description="How long the oldest waiting contact has waited.")
    offered: int = Field(description="Inbound contacts queued today.")
    answered: int
    abandoned: int
    service_level: float | None = Field(description="Today: answered within the target / answered.")
    wait_alert: bool = Field(description="A contact has waited longer than the target.")
    service_level_alert: bool = Field(description="Today's service level is below the goal.")


class WallboardStateOut(Schema):
    state: str
    label: str
    agents: int


class WallboardAgentOut(Schema):
    id: int
    name: str
    state: str
    state_label: str
    since: dt.datetime | None = Field(description="When the agent entered the state (null: before the state log).")
    seconds_in_state: float | None
    contacts: int = Field(description="Contacts offered to or held by the agent now.")
    skills: dict[str, int]
    extension: str
    alert: bool = Field(description="On a break or in after-call work longer than the limit.")


class WallboardAlertOut(Schema):
    kind: str = Field(description="wait, service_level, break or acw (after-call work).")
    subject: str = Field(description="The queue's or the agent's name.")
    message: str


class WallboardLimitsOut(Schema):
    break_minutes: int
    wrap_up_minutes: int


class WallboardOut(Schema):
    at: dt.datetime
    target_seconds: float = Field(description="The answer target: the routing policy's, else the installation's.")
    service_level_goal: float = Field(description="The share answered within the target a queue should reach.")
    waiting: int
    longest_wait_seconds: float
    offered: int
    answered: int
    service_level: float | None
    queues: list[WallboardQueueOut]
    states: list[WallboardStateOut]
    agents: list[WallboardAgentOut]
    alerts: list[WallboardAlertOut]
    limits: WallboardLimitsOut


@router.get("/wallboard", response=WallboardOut)
def wallboard_figures(request):
    """The wallboard: queues per channel and skill (waiting now, longest wait, today's offered, answered and
    service level), agents with their state and time in it, and the alerts, as the page shows them. Supervisors and
    administrators (the "wallboard" permission), else 403."""
    return wallboard.wallboard(request.user)


class CallListIn(Schema):
    name: str = Field(max_length=100)
    purpose: Literal["service", "marketing", "survey", "profiling"] = Field(
        description="The consent purpose the customers are called for; each must have agreed to calls for it.")
    mode: Literal["preview", "progressive"] = "preview"
    source: Literal["filter", "rule"] = "filter"
    rule: Literal["", "follow_up", "retention", "maintenance"] = Field(
        "", description="rule: follow_up (3 days after a closed work order), retention (high churn risk), maintenance "
                        "(service due); filled when activated, then every day.")
    filters: dict[str, str] = Field(default_factory=dict, description="filter: the customer list's filters (q, "
                                    "lifecycle_stage, tier, segment, home_dealer), over the customers you may see.")
    max_attempts: int = Field(3, description="Calls at most to a customer who does not answer (1-10).")
    retry_minutes: int = Field(120, description="Minutes between two attempts (5-10080).")
    activate: bool = Field(False, description="Put the list to work at once (else it stays a draft).")


class CallListOut(Schema):
    id: int
    name: str
    state: str
    mode: str
    purpose: str
    added: int = Field(description="Customers added to the list now.")
    skipped: int = Field(description="Customers found but skipped, each with its reason on its entry.")


class CallListEntryOut(Schema):
    id: int
    customer_id: int
    customer: str = Field(alias="customer.name")
    reason: str = Field(description="Why the customer is on the list.")
    state: str
    attempts: int
    next_attempt_at: dt.datetime | None
    outcome: str
    skip_reason: str
    contact_id: int | None = Field(None, alias="last_contact_id", description="The last call made to the customer.")


class OutcomeIn(Schema):
    outcome: str = Field(max_length=20, description="One of the outcome codes (settings GUANXI_OUTBOUND_OUTCOMES).")
    notes: str = Field("", max_length=2000)


class OutcomeOut(Schema):
    entry: CallListEntryOut
    next: CallListEntryOut | None = Field(description="Progressive mode: the customer dialled next.")
    next_refused: str = Field(description="Progressive mode: why the next customer could not be dialled.")


@router.post("/call-lists", response={201: CallListOut})
def create_call_list(request, payload: CallListIn):
    """A call list from the customer list's filter (filled at once with the customers you may see) or a daily rule.
    403 for a role that may not make lists; 422 naming the field for a bad filter (a dealer you may not see) or
    rule, or a filter finding too many customers."""
    call_list, counts = outbound.create_list(request.user, payload.model_dump())
    return Status(201, {"id": call_list.pk, "name": call_list.name, "state": call_list.state, "mode": call_list.mode,
                        "purpose": call_list.purpose, **counts})


@router.get("/call-lists/{list_id}/entries", response=list[CallListEntryOut])
def call_list_entries(request, list_id: int, state: str = "", offset: int = 0, limit: int = 200):
    """The list's entries whose customers you may see, last changed first (at most 200 at a time)."""
    return outbound.entries(request.user, list_id, state, offset, limit)


@router.get("/call-lists/{list_id}/next", response={200: CallListEntryOut, 204: None})
def call_list_next(request, list_id: int):
    """The preview: your call waiting for its outcome, else the next customer due; 204 when nobody is due."""
    entry = outbound.next_entry(request.user, list_id)
    return entry if entry is not None else Status(204, None)


@router.post("/call-lists/{list_id}/next", response={200: CallListEntryOut, 204: None})
def call_list_dial_next(request, list_id: int):
    """Progressive: dial the next customer due for you (available, no call waiting for its outcome); 204 when
    nobody is due."""
    entry = outbound.dial_next(request.user, list_id)
    return entry if entry is not None else Status(204, None)


@router.post("/call-lists/entries/{entry_id}/call", response=CallListEntryOut)
def call_list_call(request, entry_id: int):
    """Call this customer through click-to-dial with the list's purpose; a customer who may no longer be called
    comes back skipped with the reason; 422 outside the calling hours or before the next attempt is due."""
    return outbound.call_entry(request.user, entry_id)


@router.post("/call-lists/entries/{entry_id}/skip", response=CallListEntryOut)
def call_list_skip(request, entry_id: int):
    """Pass over the previewed customer: kept on the list as skipped by the agent."""
    return outbound.skip_entry(request.user, entry_id)


@router.post("/call-lists/entries/{entry_id}/outcome", response=OutcomeOut)
def call_list_outcome(request, entry_id: int, payload: OutcomeIn):
    """What came of your call: on the entry and the customer's timeline; no answer or busy is retried after the
    list's wait. Progressive mode dials the next customer due."""
    wrapped = outbound.record_outcome(request.user, entry_id, payload.outcome, payload.notes)
    return {"entry": wrapped.entry, "next": wrapped.next_entry, "next_refused": wrapped.next_refused}
