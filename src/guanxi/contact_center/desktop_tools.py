"""The agent desktop's tools for the contact in hand: wrap-up codes, transfer and consult, suggested knowledge
articles and the script for the contact's purpose, and a lead, ticket or activity made from the contact. They
work on the claim layer (services.py): its lock order, its serialised transactions and its event log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.contact_center.models import (
    Agent,
    ContactChannel,
    ContactEvent,
    Message,
    QueuedContact,
    timeline_channel,
)
from guanxi.contact_center.services import (
    agent_load,
    checked_requirement,
    complete_locked,
    dispatch,
    dispatch_agent,
    enter_state,
    free_if_idle,
    lock_agents,
    log_event,
    roster_skills,
    serialised,
    take_over,
)
from guanxi.core.models import Notification
from guanxi.core.notify import TITLE_LENGTH
from guanxi.core.scoping import may
from guanxi.customers import activities
from guanxi.customers import services as customer_services
from guanxi.customers.models import ActivityKind, Customer, Direction, Interaction
from guanxi.knowledge import services as knowledge_services
from guanxi.knowledge.models import Article, ArticleStatus
from guanxi.sales import capture
from guanxi.sales.models import LeadSource, Product, ProductKind
from guanxi.service import tickets
from guanxi.service.models import TicketKind

# ---- the agent desktop's tools: wrap-up, transfer, consult, knowledge, records from a contact -------------------

# What came of a contact, chosen when the agent presses Done: kept on the contact's COMPLETED line of the event
# log ({"wrap_up": code}) for the KPIs to count, and in words on the customer's timeline. A deployment replaces
# the list with the setting GUANXI_WRAP_UP_CODES ({code: label}); an empty one makes the code optional.
WRAP_UP_CODES = {
    "resolved": gettext_lazy("Resolved"),
    "information": gettext_lazy("Information given"),
    "follow_up": gettext_lazy("Follow-up needed"),
    "complaint": gettext_lazy("Complaint logged"),
    "repair": gettext_lazy("Repair or maintenance booked"),
    "sales_lead": gettext_lazy("Sales lead"),
    "callback": gettext_lazy("Call-back promised"),
    "wrong_number": gettext_lazy("Wrong number"),
}
# A contact its channel ended before the agent pressed Done (the caller hung up) stays on the desktop this long
# for its wrap-up; at most this many at once.
WRAP_UP_WITHIN = dt.timedelta(hours=12)
WRAP_UP_SHOWN = 10
SUGGESTED_ARTICLES = 5
SUBJECT_CHARS = 200  # of a message without a subject (an SMS, a chat line): its first words say what it is about
# A script is a published knowledge article tagged SCRIPT_TAG and with the key of the contact's purpose: a skill
# it asks ("warranty"), an outbound call's consent purpose ("survey"), else GENERAL_SCRIPT. Reviewed, published
# and versioned like any article, written by supervisors without a release.
SCRIPT_TAG = "script"
GENERAL_SCRIPT = "general"
RECORDS = ("lead", "ticket", "activity")


def wrap_up_codes() -> dict[str, str]:
    """The wrap-up codes offered when a contact is done, {code: label}."""
    return getattr(settings, "GUANXI_WRAP_UP_CODES", WRAP_UP_CODES)


def wrap_up_contact(agent: Agent, contact_id: int, code: str = "", notes: str = "",
                    now: dt.datetime | None = None) -> QueuedContact:
    """The agent's Done: what came of the contact (one of `wrap_up_codes()`, required while there are any) and the
    notes go on its COMPLETED line and on its customer's timeline entry. A contact in hand is completed as
    `complete_contact` does (its slot frees up); one its channel ended first (the caller hung up) is wrapped up
    after the fact, once."""
    codes = wrap_up_codes()
    if code not in codes and (code or codes):
        raise ValidationError({"wrap_up": _("“%(code)s” is not a wrap-up code") % {"code": code} if code
                               else _("Choose what came of the contact (the wrap-up code)")})
    summary = notes
    if code:
        outcome = str(codes[code])
        summary = _("%(outcome)s: %(notes)s") % {"outcome": outcome, "notes": notes} if notes else outcome
    contact = serialised(_wrap_up, agent.pk, contact_id, code, summary, now or timezone.now())
    if contact is None:
        raise ValidationError({"contact": _("Contact %(id)s is neither in this agent's hands nor waiting for their "
                                            "wrap-up") % {"id": contact_id}})
    return contact


def _wrap_up(agent_id: int, contact_id: int, code: str, summary: str, now: dt.datetime) -> QueuedContact | None:
    user = Agent.objects.select_related("user").get(pk=agent_id).user
    entry = (QueuedContact.objects.filter(pk=contact_id, offered_to_id=agent_id)
             .values_list("interaction_id", flat=True).first())
    if entry is not None and not Interaction.objects.restrict(user, "change").filter(pk=entry).exists():
        summary = ""  # a timeline entry the agent may not write (a contact passed on from outside their scope)
    if complete_locked(agent_id, contact_id, summary, now):
        line = ContactEvent.objects.filter(contact_id=contact_id, kind=ContactEvent.Kind.COMPLETED).latest("pk")
    else:
        agents = lock_agents(agent_id)  # before the log's rows, in the lock order
        line = _unwrapped(agent_id, now).select_for_update().filter(contact_id=contact_id).first()
        if line is None:
            return None
        if summary and entry is not None:
            customer_services.update_interaction(user, entry, {"summary": summary})
        # the after-call work the handle time counts (kpis.py): from the channel's end to this Done
        log_event(line.contact, ContactEvent.Kind.WRAPPED, now, line.agent)
        if agents[0].state == Agent.State.AFTER_CALL_WORK and line.at >= agents[0].state_since:
            # the notes of the call that began the after-call work are in: the next contact may come
            enter_state(agents, Agent.State.AVAILABLE, now)
    line.data = {**line.data, "wrap_up": code}
    line.save(update_fields=["data"])
    return QueuedContact.objects.get(pk=contact_id)


def _unwrapped(agent_id: int, now: dt.datetime):
    """The COMPLETED lines of the agent's recent contacts that no Done wrapped up (their channel ended them)."""
    return (ContactEvent.objects.filter(kind=ContactEvent.Kind.COMPLETED, agent_id=agent_id,
                                        at__gte=now - WRAP_UP_WITHIN).exclude(data__has_key="wrap_up"))


def to_wrap_up(agent: Agent, now: dt.datetime | None = None) -> list[QueuedContact]:
    """The agent's contacts their channel ended before the agent pressed Done, oldest first: the desktop keeps
    them until they are wrapped up (while there are wrap-up codes to choose)."""
    if not wrap_up_codes():
        return []
    lines = _unwrapped(agent.pk, now or timezone.now()).order_by("at", "pk")
    ids = list(lines.values_list("contact_id", flat=True)[:WRAP_UP_SHOWN])
    return list(QueuedContact.objects.filter(pk__in=ids).select_related("customer").order_by("ended_at", "pk"))


def transfer_contact(agent: Agent, contact_id: int, to_agent_id: int | None = None, skill: str = "",
                     now: dt.datetime | None = None) -> tuple[QueuedContact, list[tuple[QueuedContact, Agent]]]:
    """The agent passes a contact in hand on: to a colleague, who has it at once if on duty with a free line of
    its channel (refused, saying so, otherwise), or to the queue of a skill someone on the roster has (routed
    again, keeping its place by arrival). Logged as a transfer, which the KPIs count. Returns the contact as it
    is now and the offers made (the contact's, if someone took it from the queue, and the next contact of the
    agent left free), so that the channels can be told."""
    now = now or timezone.now()
    if bool(to_agent_id) == bool(skill):
        raise ValidationError({"to_agent": _("Choose either a colleague or a queue to transfer to")})
    if skill and skill not in roster_skills():
        raise ValidationError({"skill": _("Nobody on the roster has the skill “%(skill)s”") % {"skill": skill}})
    contact = serialised(_transfer, agent.pk, contact_id, to_agent_id, skill, now)
    offers = dispatch(contact, now=now) if contact.state == QueuedContact.State.WAITING else []
    offers += dispatch_agent(agent, contact.channel, now)
    contact.refresh_from_db()
    return contact, offers


def _transfer(agent_id: int, contact_id: int, to_agent_id: int | None, skill: str, now: dt.datetime) -> QueuedContact:
    source, contact, target = _in_hand_with(agent_id, contact_id, to_agent_id)
    pass_on(contact, source, target, skill, now)
    return contact


def pass_on(contact: QueuedContact, source: Agent, target: Agent | None, skill: str, now: dt.datetime) -> None:
    """A transfer, wherever it was asked (the desktop, the PBX): the colleague takes the contact over, or it goes
    back to the queue for `skill`; logged, and the agent left is free if nothing else is in hand. The caller holds
    the agents' and the contact's locks."""
    if target is not None:
        take_over(target, contact, now)
    else:
        contact.requirement = checked_requirement(contact.channel, {"skills": {skill: 1}})
        contact.state, contact.offered_to, contact.offered_at = QueuedContact.State.WAITING, None, None
        contact.save(update_fields=["offered_to", "offered_at", "requirement", "state"])
    log_event(contact, ContactEvent.Kind.TRANSFERRED, now, source, to_extension=target.extension if target else "",
              to_skill=skill, to_agent=target.pk if target else None)
    free_if_idle(source, now)


def _in_hand_with(agent_id: int, contact_id: int,
                  colleague_id: int | None) -> tuple[Agent, QueuedContact, Agent | None]:
    """The agent, the contact they are handling and the colleague named, locked in the claim layer's order
    (agents, then the contact); refused when the agent is not handling the contact, or the colleague is nobody
    else on the roster, or cannot take a call without an extension."""
    lock_agents(agent_id, colleague_id)
    contact = (QueuedContact.objects.select_for_update()
               .filter(pk=contact_id, offered_to_id=agent_id, state=QueuedContact.State.ASSIGNED).first())
    if contact is None:
        raise ValidationError({"contact": _("Only a contact you are handling can be passed on or discussed")})
    source = Agent.objects.select_related("user").get(pk=agent_id)
    if not colleague_id:
        return source, contact, None
    colleague = Agent.objects.select_related("user").filter(pk=colleague_id).exclude(pk=agent_id).first()
    if colleague is None:
        raise ValidationError({"to_agent": _("Choose a colleague on the roster")})
    if contact.channel == ContactChannel.VOICE and not colleague.extension:
        raise ValidationError({"to_agent": _("%(agent)s has no extension to put the call through to")
                                           % {"agent": colleague}})
    return source, contact, colleague


def consult(agent: Agent, contact_id: int, colleague_id: int, question: str = "",
            now: dt.datetime | None = None) -> tuple[QueuedContact, Agent]:
    """The agent asks a colleague about a contact in hand and keeps it: the customer stays with the agent (on a
    call the PBX holds the caller and rings the colleague, voice.consult). The colleague must be on duty with a
    free line of the contact's channel, as answering takes one; they are notified (with a link to the customer
    when they may see them), and the request is a line of the contact's event log."""
    now = now or timezone.now()
    if not colleague_id:
        raise ValidationError({"to_agent": _("Choose a colleague to consult")})
    return serialised(_consult, agent.pk, contact_id, colleague_id, question.strip()[:500], now)


def _consult(agent_id: int, contact_id: int, colleague_id: int, question: str, now: dt.datetime):
    source, contact, colleague = _in_hand_with(agent_id, contact_id, colleague_id)
    engine_agent = colleague.to_engine()
    engine_agent.load = agent_load(colleague)
    if colleague.state not in (Agent.State.AVAILABLE, Agent.State.BUSY):
        raise ValidationError({"to_agent": _("%(agent)s is not taking contacts now (%(state)s)")
                                           % {"agent": colleague, "state": colleague.get_state_display()}})
    if not engine_agent.has_room(contact.channel):
        raise ValidationError({"to_agent": _("%(agent)s has no free %(channel)s line")
                                           % {"agent": colleague, "channel": contact.get_channel_display()}})
    log_event(contact, ContactEvent.Kind.COMMAND, now, source, command="consult", to_agent=colleague.pk,
              to_extension=colleague.extension, question=question)
    reader = colleague.user
    sees_customer = (contact.customer_id is not None
                     and Customer.objects.restrict(reader, "view").filter(pk=contact.customer_id).exists())
    with translation.override(reader.language or settings.LANGUAGE_CODE):
        asked = {"agent": source, "channel": contact.get_channel_display(), "question": question}
        title = (_("%(agent)s asks for your help (%(channel)s): %(question)s") if question
                 else _("%(agent)s asks for your help (%(channel)s)")) % asked
    Notification.objects.create(user=reader, title=title[:TITLE_LENGTH],
                                link=contact.customer.get_absolute_url() if sees_customer else "")
    return contact, colleague


def transfer_choices(agent: Agent, channel: str) -> tuple[list[Agent], list[str]]:
    """Whom a contact of `channel` may be passed to or discussed with: the agent's colleagues on duty (a call:
    those with an extension; the transfer checks their room), and the queues, the skills the roster has."""
    colleagues = (Agent.objects.exclude(pk=agent.pk).filter(state__in=(Agent.State.AVAILABLE, Agent.State.BUSY))
                  .select_related("user").order_by("user__username", "pk"))
    if channel == ContactChannel.VOICE:
        colleagues = colleagues.exclude(extension="")
    return list(colleagues), sorted(roster_skills())


def _purposes(contact: QueuedContact) -> list[str]:
    """What the contact is for, as script keys: the skills it asks, the most asked first, then the consent purpose
    an outbound call was made for."""
    skills = (contact.requirement or {}).get("skills") or {}
    keys = sorted(skills, key=lambda skill: (-skills[skill], skill))
    if contact.direction == Direction.OUTBOUND:
        dialled = contact.events.filter(kind=ContactEvent.Kind.DIALLED).values_list("data", flat=True).first() or {}
        keys += [dialled["purpose"]] if dialled.get("purpose") else []
    return keys


def _subject_of(contact: QueuedContact) -> str:
    """What the customer wrote about: the subject of their first message, or its first words (an SMS, a chat)."""
    first = (Message.objects.filter(contact=contact, direction=Direction.INBOUND).order_by("at", "pk")
             .values("subject", "body").first())
    return "" if first is None else first["subject"] or first["body"][:SUBJECT_CHARS]


def suggested_articles(user, contact: QueuedContact, car_models: list[str]) -> list[Article]:
    """Published articles the agent may answer this contact from: the knowledge base's own search, in the user's
    scope, for the words of the contact's purpose (its skill), the customer's cars and what the customer wrote;
    scripts are left out (the card shows the contact's own). None for a user who may not read articles."""
    if not may(user, Article.permission_key, "view"):
        return []
    words = [*(key.replace("_", " ") for key in _purposes(contact)), *car_models, _subject_of(contact)]
    found = knowledge_services.search(" ".join(words), user, limit=SUGGESTED_ARTICLES * 4)
    scripts = set(Article.objects.filter(pk__in=[article.pk for article in found], tags__name=SCRIPT_TAG)
                  .values_list("pk", flat=True))
    return [article for article in found if article.pk not in scripts][:SUGGESTED_ARTICLES]


def script_for(user, contact: QueuedContact) -> Article | None:
    """The script for the contact's purpose (see SCRIPT_TAG), the first purpose that has one, else the general
    script; the newest when several are tagged alike. None when there is none the user may read."""
    if not may(user, Article.permission_key, "view"):
        return None
    keys = [*_purposes(contact), GENERAL_SCRIPT]
    scripts = Article.objects.restrict(user, "view").filter(status=ArticleStatus.PUBLISHED, tags__name=SCRIPT_TAG)
    tagged = (Article.tags.through.objects.filter(article__in=scripts.values("pk"), tag__name__in=keys)
              .order_by("-article_id").values_list("tag__name", "article_id"))
    newest: dict[str, int] = {}
    for key, article_id in tagged:
        newest.setdefault(key, article_id)
    chosen = next((newest[key] for key in keys if key in newest), None)
    return None if chosen is None else Article.objects.get(pk=chosen)


def record_choices(user) -> dict[str, Any]:
    """What the card's one-click records offer the user: the kinds they may create (their permissions), the
    ticket and activity types, and the catalog's car models for a lead."""
    return {
        "lead": may(user, "sales.lead", "add"), "ticket": may(user, "service.ticket", "add"),
        "activity": may(user, "customers.activity", "add"), "ticket_kinds": TicketKind.choices,
        "activity_kinds": ActivityKind.choices,
        "car_models": list(Product.objects.filter(kind=ProductKind.MODEL, active=True).order_by("name")
                           .values_list("name", flat=True)),
    }


def record_from_contact(agent: Agent, contact_id: int, kind: str, data: dict):
    """A sales lead, a service ticket or a follow-up activity (due tomorrow morning) for the customer of a
    contact in hand, with the agent's notes, made by the owning app's own service as the agent: their
    permissions and scope apply there (a customer the agent may not see is refused as on any page), and the
    record is audited and announced like any other. `data`: notes, and model (a lead's car model of interest),
    ticket_kind or activity_kind."""
    if kind not in RECORDS:
        raise ValidationError({"kind": _("One of: %(kinds)s") % {"kinds": ", ".join(RECORDS)}})
    contact = (QueuedContact.objects.select_related("offered_to__user", "interaction")
               .filter(pk=contact_id, offered_to=agent, state__in=QueuedContact.ACTIVE).first())
    if contact is None:
        raise ValidationError({"contact": _("Contact %(id)s is not being handled by this agent") % {"id": contact_id}})
    if contact.customer_id is None:
        raise ValidationError({"customer": _("Find or add the customer first: the record will be theirs")})
    user, notes = contact.offered_to.user, (data.get("notes") or "").strip()
    headline = (notes.splitlines()[0][:200] if notes
                else _("Contact center: %(channel)s") % {"channel": contact.get_channel_display()})
    if kind == "lead":
        model = (data.get("model") or "").strip()
        if not model:
            raise ValidationError({"model": _("Name the car model the customer is interested in")})
        return capture.capture_lead(user, {"customer_id": contact.customer_id, "model": model, "note": notes,
                                           "source": LeadSource.HOTLINE})
    if kind == "ticket":
        return tickets.open_ticket(user, {"customer_id": contact.customer_id, "kind": data.get("ticket_kind"),
                                          "subject": headline, "description": notes,
                                          "channel": timeline_channel(contact.channel)})
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return activities.schedule_activity(
        user, {"kind": data.get("activity_kind") or None, "summary": headline, "note": notes,
               "due_at": timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(10)))},
        customer_pk=contact.customer_id, link=contact.interaction)
