"""The authoritative routing state shared by every server process: agents and the contacts queued for them.

Minimal on purpose: what `services.claim_next_contact` needs to reserve a contact for an agent
without two processes ever handing the same contact to two agents or an agent more than its
capacity. Who may take what is decided by the engine's own code (routing.Requirement, the
policy's rings and score), fed from these rows.

One vocabulary: a contact comes through one of the contact channels (`ContactChannel`, the
engine's `routing.CHANNELS`), which the queues, the agents' capacity, the routing and the claims all
use; it lands on the customer timeline as the timeline's channel (`timeline_channel`, the one place
voice becomes "phone"). A queued contact's tier is a customer tier (`customers.models.Tier`).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.contact_center.routing import CHANNELS, AgentState, Requirement
from guanxi.contact_center.routing import Agent as EngineAgent
from guanxi.core.models import OrgUnit
from guanxi.core.scoping import RestrictedQuerySet
from guanxi.customers.models import Channel, ConsentPurpose, Customer, Direction, Interaction, Tier


class ContactChannel(models.TextChoices):
    """How a customer reaches the contact center (the values of the engine's routing.CHANNELS)."""

    VOICE = "voice", _("Voice")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Web chat")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")


# A contact on the customer timeline: the timeline also knows direct mail and visits, and calls a call "phone".
_TIMELINE_CHANNELS = {
    ContactChannel.VOICE: Channel.PHONE,
    ContactChannel.EMAIL: Channel.EMAIL,
    ContactChannel.CHAT: Channel.CHAT,
    ContactChannel.SMS: Channel.SMS,
    ContactChannel.WECHAT: Channel.WECHAT,
}


def timeline_channel(channel: str) -> Channel:
    """The customer timeline's channel (customers.models.Channel) for a contact channel."""
    return _TIMELINE_CHANNELS[ContactChannel(channel)]


class Agent(models.Model):
    """A person on the contact-center floor: skills (proficiency 1-5), languages, capacity per channel."""

    class State(models.TextChoices):
        OFFLINE = AgentState.OFFLINE.value, _("Offline")
        AVAILABLE = AgentState.AVAILABLE.value, _("Available")
        BUSY = AgentState.BUSY.value, _("Busy")
        AFTER_CALL_WORK = AgentState.AFTER_CALL_WORK.value, _("After-call work")
        BREAK = AgentState.BREAK.value, _("Break")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cc_agent")
    skills = models.JSONField(_("skills"), default=dict, blank=True, help_text='{"warranty": 4, "sales": 2}')
    languages = models.JSONField(_("languages"), default=list, blank=True)
    regions = models.JSONField(_("regions"), default=list, blank=True)
    capacity = models.JSONField(
        _("capacity per channel"), default=dict,
        help_text='{"voice": 1, "chat": 3}; channels: ' + ", ".join(CHANNELS),
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OFFLINE)
    # The agent's telephone on the PBX: where the CTI answer sends a call routed to this agent (voice.py).
    extension = models.CharField(_("extension"), max_length=20, blank=True, default="", db_index=True)
    last_assignment_at = models.DateTimeField(_("last assignment"), null=True, blank=True)
    # When `state` last changed (services.enter_state writes it with the AgentStateChange row): the
    # wallboard's time in state, without reading the log.
    state_since = models.DateTimeField(_("in this state since"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        # The staffing page, Erlang figures and the simulator: a supervisor's and analyst's tools.
        permissions = [("view_staffing", _("Can plan staffing and run the simulator")),
                       # the live floor (wallboard.py): a supervisor's screen, not an analyst's
                       ("view_wallboard", _("Can watch the contact-center wallboard"))]
        constraints = [models.UniqueConstraint(fields=["extension"], condition=~models.Q(extension=""),
                                               name="cc_one_agent_per_extension")]

    def __str__(self) -> str:
        return str(self.user)

    def clean(self):
        """Skills and capacity are free JSON in the admin: refuse what the engine would refuse, so one
        bad row cannot turn every routing call into an error."""
        try:
            self.to_engine()
        except (ValueError, TypeError) as exc:
            raise ValidationError({"capacity" if "capacity" in str(exc) else "skills": str(exc)}) from exc

    def to_engine(self) -> EngineAgent:
        """The engine's view of this agent (validates skills and capacity on the way)."""
        return EngineAgent(
            id=str(self.pk), skills=dict(self.skills), capacity=dict(self.capacity),
            languages=frozenset(self.languages), regions=frozenset(self.regions), state=AgentState(self.state),
        )


class AgentStateChange(models.Model):
    """An agent entering a state, and when: the log occupancy and utilisation are counted from (kpis.py),
    since the agent row only knows the state it is in now. A state lasts until the agent's next row."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="state_changes",
                              verbose_name=_("agent"))
    state = models.CharField(_("state"), max_length=12, choices=Agent.State.choices)
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("agent state change")
        verbose_name_plural = _("agent state changes")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["agent", "at"], name="cc_agent_state_idx"),
                   models.Index(fields=["at"], name="cc_agent_state_at_idx")]

    def __str__(self) -> str:
        return f"{self.agent} {self.get_state_display()} {self.at:%H:%M:%S}"


class QueuedContact(models.Model):
    """A call, chat, email or message waiting for (or reserved for, or handled by) an agent."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered")
        ASSIGNED = "assigned", _("Assigned")
        DONE = "done", _("Done")
        ABANDONED = "abandoned", _("Abandoned")  # the party hung up (or went) before an agent answered
        VOICEMAIL = "voicemail", _("Voicemail")  # nobody can ever serve it and the policy's fallback says so

    ACTIVE = (State.OFFERED, State.ASSIGNED)  # holding a slot of the agent's capacity

    channel = models.CharField(_("channel"), max_length=20, choices=ContactChannel.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, default=Direction.INBOUND)
    # The channel's own reference (the PBX's call id): events about the same call find their contact by it.
    external_id = models.CharField(_("channel reference"), max_length=100, blank=True, default="")
    # Who is on the other end in the channel's terms (the calling number, an address): an unknown party
    # is still somebody the agent can call back or match to a customer.
    party = models.CharField(_("party"), max_length=200, blank=True, default="")
    requirement = models.JSONField(
        _("requirement"), default=dict, blank=True,
        help_text='{"skills": {"warranty": 3}, "language": "zh", "region": "east"}',
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.STANDARD)
    value = models.FloatField(_("value"), default=0.0)
    arrival = models.DateTimeField(_("arrival"), db_index=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.WAITING)
    offered_to = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts", verbose_name=_("offered to")
    )
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    # Set when no agent on the roster could serve the contact even at the policy's widest ring: why, and
    # what the fallback did ("reroute": requirement replaced by the fallback skills; "voicemail").
    unroutable_reason = models.TextField(_("why unroutable"), blank=True, default="")
    fallback = models.CharField(_("fallback"), max_length=10, blank=True, default="")
    # Who called: the customer identified (its tier is the contact's), or nobody yet (an unknown party).
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="queued_contacts",
        verbose_name=_("customer"),
    )
    # Whom a web chat visitor's typed phone or e-mail names: a claim anybody can type, so it is shown to the
    # agent to check and confirm (services.identify_party), never taken as the customer (nor their tier).
    claimed_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("says they are"),
    )
    # The customer-timeline entry the contact became once answered (services.accept_offer).
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="queued_contacts",
        verbose_name=_("interaction"),
    )
    recording = models.URLField(_("recording"), max_length=500, blank=True, default="")
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("queued contact")
        verbose_name_plural = _("queued contacts")
        indexes = [
            models.Index(fields=["state", "channel", "tier", "arrival"], name="cc_waiting_idx"),
            models.Index(fields=["offered_to", "state"], name="cc_agent_load_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], condition=~models.Q(external_id=""),
                                    name="cc_one_contact_per_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} ({self.get_state_display()})"

    # A call a PBX rings at an extension: the PBX's ring time, not the routing policy's reservation timeout,
    # decides when its offer lapses (it reports "missed"). The one rule for the claim layer and the minute job.
    RINGING_AT_THE_PBX = models.Q(channel=ContactChannel.VOICE, direction=Direction.INBOUND) & ~models.Q(external_id="")

    @property
    def rings_at_the_pbx(self) -> bool:
        return self.channel == ContactChannel.VOICE and self.direction == Direction.INBOUND and bool(self.external_id)

    def requirement_for_engine(self) -> Requirement:
        """The contact's requirement as asked, in the engine's form (skills sorted, as the engine keys them)."""
        need = self.requirement or {}
        return Requirement(
            channel=self.channel,
            skills=tuple(sorted((need.get("skills") or {}).items())),
            language=need.get("language"),
            region=need.get("region"),
        )


class RoutingPolicyVersion(models.Model):
    """The routing policy in force, as a supervisor saved it (services.save_policy): each save is a new row
    saying who, when and why, the latest one applies to the claims and the jobs; none saved yet, the value
    policy Guanxi ships (policies.VALUE) does."""

    data = models.JSONField(_("policy"))
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("saved by"),
    )
    saved_at = models.DateTimeField(_("saved"), db_index=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("routing policy version")
        verbose_name_plural = _("routing policy versions")
        ordering = ["-saved_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.saved_at:%Y-%m-%d %H:%M} {self.saved_by or ''}".strip()


class StaffingPlan(models.Model):
    """The staffing plan a supervisor saved for a day (staffing_plans.save_plan): the forecast contacts per
    interval and the agents Erlang asked for, kept so that the figures page can set what happened beside them.
    The day's latest plan is the one in force; earlier ones stay as its history."""

    day = models.DateField(_("day"), db_index=True)
    start = models.TimeField(_("first interval starts at"))
    interval_minutes = models.PositiveSmallIntegerField(_("interval (minutes)"))
    # planning.staffing_plan's arguments as the page passed them: "volumes" is the forecast
    arguments = models.JSONField(_("inputs"))
    agents = models.JSONField(_("agents needed per interval"))
    scheduled = models.JSONField(_("agents to schedule per interval"))  # after shrinkage
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("saved by"),
    )
    saved_at = models.DateTimeField(_("saved"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("staffing plan")
        verbose_name_plural = _("staffing plans")
        ordering = ["-day", "-saved_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.day} {self.start:%H:%M} ({self.saved_at:%Y-%m-%d %H:%M})"


class ContactEvent(models.Model):
    """What happened to a contact, when, with which agent: the log the KPIs are counted from (service level,
    ASA, handle time, abandonment, transfers) and the trail of what a channel reported (DTMF digits,
    the recording)."""

    class Kind(models.TextChoices):
        QUEUED = "queued", _("Queued")
        OFFERED = "offered", _("Offered to an agent")
        EXPIRED = "expired", _("Offer not answered")
        DECLINED = "declined", _("Offer declined")
        ANSWERED = "answered", _("Answered")
        DTMF = "dtmf", _("Keys pressed")
        TRANSFERRED = "transferred", _("Transferred")
        RECORDING = "recording", _("Recording")
        COMPLETED = "completed", _("Completed")
        ABANDONED = "abandoned", _("Abandoned")
        DIALLED = "dialled", _("Dialled out")
        COMMAND = "command", _("Sent to the channel")
        MESSAGE = "message", _("Message received")
        LEFT = "left", _("Visitor left the chat")  # their last widget closed (chat.py)
        BACK = "back", _("Visitor back in the chat")
        HELD = "held", _("Put on hold")  # the PBX says so (voice.call_held)
        RETRIEVED = "retrieved", _("Taken off hold")
        WRAPPED = "wrapped", _("Wrapped up after it ended")  # the agent's Done after the channel ended it

    contact = models.ForeignKey(QueuedContact, on_delete=models.CASCADE, related_name="events",
                                verbose_name=_("contact"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("when"))
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("agent"))
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("contact event")
        verbose_name_plural = _("contact events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["contact", "at"], name="cc_event_contact_idx"),
                   models.Index(fields=["kind", "at"], name="cc_event_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%H:%M:%S}"


class WebhookReceipt(models.Model):
    """A signed webhook call already taken (webhooks.py): its nonce, kept for as long as its timestamp is
    accepted, so a replay is refused in every server process (a unique row, not a per-process cache)."""

    source = models.CharField(max_length=20)
    nonce = models.CharField(max_length=64)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "nonce"], name="cc_webhook_nonce_once")]


class Message(models.Model):
    """One text sent or received on a contact: an e-mail, an SMS, a WeChat message (later a web chat line).

    One table for every text channel, so that a conversation reads the same whatever came in, and a
    channel's own reference (the Message-ID of an e-mail, the provider's id of an SMS or WeChat message)
    is held once: a provider's retry or a mail delivered twice finds the message it already made. A
    contact holds the messages of one conversation (messaging.py says which message joins which contact).
    """

    contact = models.ForeignKey(QueuedContact, on_delete=models.CASCADE, related_name="messages",
                                verbose_name=_("contact"))
    channel = models.CharField(_("channel"), max_length=20, choices=ContactChannel.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    external_id = models.CharField(_("channel reference"), max_length=255)
    # The message this one answers (an e-mail's In-Reply-To), as the channel names it.
    in_reply_to = models.CharField(_("in reply to"), max_length=255, blank=True, default="")
    # In the channel's terms: an e-mail address, a phone number, a WeChat openid.
    sender = models.CharField(_("from"), max_length=254)
    recipient = models.CharField(_("to"), max_length=254, blank=True, default="")
    subject = models.CharField(_("subject"), max_length=255, blank=True, default="")
    body = models.TextField(_("text"), blank=True, default="")
    at = models.DateTimeField(_("when"))
    # Who wrote an outbound message.
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("agent"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["at", "pk"]
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], name="cc_one_message_per_reference")]
        indexes = [models.Index(fields=["contact", "at"], name="cc_message_contact_idx"),
                   models.Index(fields=["channel", "sender", "at"], name="cc_message_sender_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_direction_display()} {self.at:%Y-%m-%d %H:%M}"


class IvrMenuVersion(models.Model):
    """The voice menu callers hear before a person (ivr.py): a tree of keys as data a supervisor edits; the
    latest saved version is in force, the earlier ones are its history. `{"enabled": false}` turns it off."""

    data = models.JSONField(_("menu"))
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("saved by"))
    saved_at = models.DateTimeField(_("saved"), db_index=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("IVR menu version")
        verbose_name_plural = _("IVR menu versions")
        ordering = ["-saved_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.saved_at:%Y-%m-%d %H:%M} {self.saved_by or ''}".strip()


class IvrSession(models.Model):
    """One call's way through the voice menu: every key and what it led to, so that what the menu answers
    alone (containment) and where callers leave it can be counted. Becomes a queued contact when the caller
    asks for a person."""

    class Outcome(models.TextChoices):
        IN_MENU = "in_menu", _("In the menu")
        QUEUED = "queued", _("To an agent")
        CONTAINED = "contained", _("Answered by the menu")
        ABANDONED = "abandoned", _("Hung up in the menu")

    call_id = models.CharField(_("call"), max_length=100, unique=True)
    caller = models.CharField(_("caller"), max_length=40, blank=True, default="")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("customer"))
    menu = models.ForeignKey(IvrMenuVersion, on_delete=models.PROTECT, related_name="sessions",
                             verbose_name=_("menu"))
    node = models.CharField(_("menu position"), max_length=40, blank=True, default="")  # keys from the top: "2.1"
    retries = models.PositiveSmallIntegerField(_("retries"), default=0)
    path = models.JSONField(_("path"), default=list)  # [{"at", "node", "key", "step"}], one line a step
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.IN_MENU)
    contact = models.OneToOneField(QueuedContact, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="ivr_session", verbose_name=_("contact"))
    started_at = models.DateTimeField(_("started"), db_index=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("IVR session")
        verbose_name_plural = _("IVR sessions")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.call_id} {self.get_outcome_display()}"


class CallList(models.Model):
    """An outbound campaign the center works by phone (outbound.py): customers picked by the customer list's filter
    once, or added every day by a rule (a work order closed three days ago, a high churn risk, a car due for
    maintenance), called for one consent purpose, in preview (the agent sees the customer, then calls) or
    progressive mode (the next customer is dialled as soon as the agent is free). Seen where it was made: the
    owner's unit and the units above it."""

    class Mode(models.TextChoices):
        PREVIEW = "preview", _("Preview")
        PROGRESSIVE = "progressive", _("Progressive")

    class Source(models.TextChoices):
        FILTER = "filter", _("Customer filter")
        RULE = "rule", _("Daily rule")

    class Rule(models.TextChoices):
        FOLLOW_UP = "follow_up", _("Follow-up 3 days after a closed work order")
        RETENTION = "retention", _("Retention: high churn risk")
        MAINTENANCE = "maintenance", _("Maintenance reminder: service due")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    permission_key = "contact_center.calllist"

    name = models.CharField(_("name"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=10, choices=ConsentPurpose.choices)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.PREVIEW)
    source = models.CharField(_("source"), max_length=6, choices=Source.choices, default=Source.FILTER)
    rule = models.CharField(_("rule"), max_length=12, choices=Rule.choices, blank=True, default="")
    # The customer list's filter (customers.filtersets.CustomerFilterSet) as it was applied: {"tier": "vip", …}
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    max_attempts = models.PositiveSmallIntegerField(_("attempts at most"), default=3)
    retry_minutes = models.PositiveIntegerField(_("minutes between attempts"), default=120)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("owner"))
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("org unit"))
    state = models.CharField(_("state"), max_length=6, choices=State.choices, default=State.DRAFT)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    built_at = models.DateTimeField(_("last built"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("call list")
        verbose_name_plural = _("call lists")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def scope_q(unit_ids, action):
        return models.Q(org_unit_id__in=unit_ids)


class CallListEntry(models.Model):
    """One customer on a call list: waiting for a call (now or after the list's wait between attempts), being
    called, done, failed after the attempts, or skipped with the reason (no consent, opted out …)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DIALLING = "dialling", _("Dialling")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    class SkipReason(models.TextChoices):
        ERASED = "erased", _("Personal data erased")
        NO_PHONE = "no_phone", _("No phone number")
        OPTED_OUT = "opted_out", _("Opted out of calls (do not call)")
        NO_CONSENT = "no_consent", _("No consent to calls for this purpose")
        BY_AGENT = "by_agent", _("Skipped by the agent")

    OPEN = (State.PENDING, State.DIALLING)

    call_list = models.ForeignKey(CallList, on_delete=models.CASCADE, related_name="entries",
                                  verbose_name=_("call list"))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    # Why the customer is on the list ("WO000123 closed 2026-11-20"), for the agent's preview.
    reason = models.CharField(_("why on the list"), max_length=200, blank=True, default="")
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, blank=True, default="")
    skip_reason = models.CharField(_("skipped because"), max_length=10, choices=SkipReason.choices, blank=True,
                                   default="")
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("agent"))
    last_contact = models.ForeignKey(QueuedContact, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("last call"))
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    permission_key = "contact_center.calllist"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("call list entry")
        verbose_name_plural = _("call list entries")
        ordering = ["pk"]
        indexes = [models.Index(fields=["call_list", "state", "next_attempt_at"], name="cc_call_list_due_idx")]
        constraints = [models.UniqueConstraint(fields=["call_list", "customer"],
                                               condition=models.Q(state__in=("pending", "dialling")),
                                               name="cc_one_open_entry_per_customer")]

    def __str__(self) -> str:
        return f"{self.call_list} · {self.customer} ({self.get_state_display()})"

    @staticmethod
    def scope_q(unit_ids, action):
        return models.Q(call_list__org_unit_id__in=unit_ids)
