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
from guanxi.customers.models import Channel, Customer, Direction, Interaction, Tier


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

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        # The staffing page, Erlang figures and the simulator: a supervisor's and analyst's tools.
        permissions = [("view_staffing", _("Can plan staffing and run the simulator"))]
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
