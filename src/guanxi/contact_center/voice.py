"""The voice channel: what a PBX or a cloud telephony service tells Guanxi about calls, and click-to-dial.

The PBX calls `POST /api/contact-center/cti/events` (signed, webhooks.py) at each step of a call,
naming the call by its own id. "offered" is answered with the routing decision: ring this agent's
extension, hold the caller in the queue, or send them to voicemail. Every step lands in the contact's
event log (models.ContactEvent), which the KPIs are counted from. What cannot be said in an answer
(a queued call connected when an agent frees up, an agent's click-to-dial) goes out through the
telephony gateway (gateways.py).

The caller is identified by the calling number among the customers' phone numbers: one customer,
and the call takes their tier and lands on their timeline once answered; none or several (a shared
family phone), and the call is an unknown party's, routed at the standard tier, the number kept.
"""

import datetime as dt
import functools
import logging
import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.contact_center import desktop_tools, ivr, services
from guanxi.contact_center.gateways import telephony
from guanxi.contact_center.models import Agent, ContactChannel, ContactEvent, QueuedContact
from guanxi.core.outbox import emit
from guanxi.customers import services as customer_services
from guanxi.customers.models import Channel, ConsentPurpose, ContactKind, Direction

log = logging.getLogger(__name__)

VOICE = ContactChannel.VOICE
_DIGITS = re.compile(r"^[0-9*#]{1,32}$")


def call_offered(call_id: str, caller: str, at: dt.datetime | None = None, skill: str = "") -> dict:
    """A call reached the center: the voice menu (ivr.py) if one is in force and the PBX has not chosen a skill
    itself, else queue it (once, however often the PBX retries) and say where it goes."""
    at = at or timezone.now()
    contact = _call(call_id, missing_ok=True)
    if contact is None:
        in_menu = ivr.session_in_menu(call_id, lock=False)
        if in_menu is not None:  # the PBX offered it again while the caller is choosing
            return ivr.current(in_menu)
        reached = customer_services.customers_reached_at(ContactKind.PHONE, caller)
        customer = reached[0] if len(reached) == 1 else None
        answer = None if skill else ivr.start(call_id, caller, customer, at)
        if answer is not None:
            return answer
        contact = _queued(call_id, caller, customer, skill, at)
    return decision(contact)


def _queued(call_id: str, caller: str, customer, skill: str, at: dt.datetime) -> QueuedContact:
    """The call in the queue for `skill` ("" for any agent), offered at once if an agent is free."""
    requirement = {"skills": {skill: 1}} if skill else None
    try:
        with transaction.atomic():
            contact = services.enqueue_contact(VOICE, requirement=requirement, arrival=at, external_id=call_id,
                                               party=caller, customer=customer)
    except IntegrityError:  # the same call offered twice at once: the other request queued it
        contact = _call(call_id)
    connect_offers(services.dispatch(contact, now=at), but=contact)
    contact.refresh_from_db()
    return contact


def call_answered(call_id: str, extension: str, at: dt.datetime | None = None) -> dict:
    """The agent picked up (inbound), or the customer did (a call the agent dialled). The PBX reports a fact: an
    inbound call rung at that extension is the agent's however long it rang (the PBX's ring time, not Guanxi's
    reservation timeout, decides when a call rings elsewhere: `call_missed`). Said twice, nothing more happens."""
    at = at or timezone.now()
    contact = _call(call_id)
    agent = _agent_at(extension)
    if contact.offered_to_id != agent.pk or contact.state not in QueuedContact.ACTIVE:
        raise ValidationError({"extension": _("Call “%(call)s” is not ringing or held at extension %(extension)s")
                                            % {"call": call_id, "extension": extension}})
    if contact.direction == Direction.OUTBOUND:
        if not contact.events.filter(kind=ContactEvent.Kind.ANSWERED).exists():
            services.log_event(contact, ContactEvent.Kind.ANSWERED, at, agent)
    elif contact.state == QueuedContact.State.OFFERED:
        services.accept_offer(agent, contact.pk, now=at)
    return decision(_call(call_id))


def call_held(call_id: str, at: dt.datetime | None = None) -> dict:
    """The agent put the caller on hold (music, a consult): the hold part of the handle time (kpis.py)."""
    return _on_hold(call_id, ContactEvent.Kind.HELD, at)


def call_retrieved(call_id: str, at: dt.datetime | None = None) -> dict:
    """The agent took the caller off hold."""
    return _on_hold(call_id, ContactEvent.Kind.RETRIEVED, at)


def _on_hold(call_id: str, kind: str, at: dt.datetime | None) -> dict:
    contact = _call(call_id)
    if contact.state != QueuedContact.State.ASSIGNED:
        raise ValidationError({"call_id": _("Call “%(call)s” is not in an agent's hands") % {"call": call_id}})
    services.log_event(contact, kind, at or timezone.now(), contact.offered_to)
    return decision(contact)


def call_missed(call_id: str, at: dt.datetime | None = None) -> dict:
    """The extension rang out unanswered: the agent goes on a break (as when an offer lapses) and the call is
    routed again; the answer says where it goes now."""
    at = at or timezone.now()
    contact = _call(call_id)
    if contact.state != QueuedContact.State.OFFERED:
        raise ValidationError({"call_id": _("Call “%(call)s” is not ringing at an extension") % {"call": call_id}})
    services.release_offer(contact, at)
    connect_offers(services.dispatch(contact, now=at), but=contact)
    return decision(_call(call_id))


def keys_pressed(call_id: str, digits: str, at: dt.datetime | None = None) -> dict:
    """DTMF keys the caller pressed: a step in the voice menu while the caller is in it (the answer is the next
    menu, an answer to read out, or the queue chosen), else kept in the contact's log."""
    if not _DIGITS.match(digits or ""):
        raise ValidationError({"digits": _("Keys are 1 to 32 of 0-9, * and #")})
    at = at or timezone.now()
    with transaction.atomic():
        in_menu = ivr.session_in_menu(call_id)
        if in_menu is not None:
            return _menu_step(in_menu, ivr.press(in_menu, digits, at), at)
    contact = _call(call_id)
    services.log_event(contact, ContactEvent.Kind.DTMF, at, digits=digits)
    return decision(contact)


def no_input(call_id: str, at: dt.datetime | None = None) -> dict:
    """The caller pressed nothing in time at a menu: read it again, or, past its retries, take its default."""
    at = at or timezone.now()
    with transaction.atomic():
        in_menu = ivr.session_in_menu(call_id)
        if in_menu is None:
            raise ValidationError({"call_id": _("Call “%(call)s” is not in the voice menu") % {"call": call_id}})
        return _menu_step(in_menu, ivr.press(in_menu, "", at), at)


def _menu_step(session, outcome, at: dt.datetime) -> dict:
    """The menu's answer, or the call queued for the skill the caller chose (one transaction with the step)."""
    if not isinstance(outcome, ivr.ToQueue):
        return outcome
    contact = _queued(session.call_id, session.caller, session.customer, outcome.skill, at)
    ivr.queued(session, contact)
    return decision(contact)


def call_transferred(call_id: str, extension: str = "", skill: str = "", at: dt.datetime | None = None) -> dict:
    """The agent passes the call on: to a colleague's extension (who has it now, if they are on duty with a
    free line), or back to the queue for a skill (routed again, keeping its place by arrival). The agent left
    free takes the next waiting call."""
    at = at or timezone.now()
    if bool(extension) == bool(skill):
        raise ValidationError({"extension": _("Name either the extension or the skill to transfer to")})
    target = _agent_at(extension) if extension else None
    with transaction.atomic():
        contact = _locked_with_its_agent(call_id, target)
        if contact.state != QueuedContact.State.ASSIGNED:
            raise ValidationError({"call_id": _("Only a call being handled can be transferred")})
        if target is not None and target.pk == contact.offered_to_id:
            return decision(_call(call_id))  # to the agent who has it: nothing to do
        source = contact.offered_to
        desktop_tools.pass_on(contact, source, target, skill, at)
    if target is None:
        connect_offers(services.dispatch(contact, now=at), but=contact)
    connect_offers(services.dispatch_agent(source, VOICE, now=at))
    return decision(_call(call_id))


def transfer(agent: Agent, contact_id: int, to_agent_id: int | None = None, skill: str = "",
             now: dt.datetime | None = None) -> QueuedContact:
    """A transfer the agent makes from the desktop (desktop_tools.transfer_contact). Unlike `call_transferred`, the
    PBX has not done it: a call is put through to the colleague's extension, or taken off the agent's and held
    in the queue until someone is offered it, through the gateway once committed; every offer made on the way
    is connected as usual."""
    contact, offers = desktop_tools.transfer_contact(agent, contact_id, to_agent_id, skill, now)
    if contact.channel == VOICE and contact.state == QueuedContact.State.ASSIGNED:
        transaction.on_commit(functools.partial(telephony().connect, contact, contact.offered_to.extension))
    elif contact.channel == VOICE and contact.state == QueuedContact.State.WAITING:
        transaction.on_commit(functools.partial(telephony().hold, contact))
    connect_offers(offers)
    return contact


def consult(agent: Agent, contact_id: int, colleague_id: int, question: str = "",
            now: dt.datetime | None = None) -> QueuedContact:
    """The agent consults a colleague from the desktop (desktop_tools.consult); on a call the PBX does the audio: it
    holds the caller and rings the colleague's extension from the agent's, told through the gateway."""
    contact, colleague = desktop_tools.consult(agent, contact_id, colleague_id, question, now)
    if contact.channel == VOICE:
        transaction.on_commit(functools.partial(telephony().consult, contact, agent.extension, colleague.extension))
    return contact


UNANSWERED = "contact_center.call.unanswered"  # a call the agent dialled ended without the customer picking up


def call_ended(call_id: str, at: dt.datetime | None = None) -> dict:
    """The call is over: handled, or abandoned before anyone answered (in the queue or in the voice menu). The
    agent of a call that was answered goes into after-call work (services.hold_for_after_call_work); otherwise
    the agent it held is free and takes the next waiting call (connected through the gateway). A call the
    agent dialled that nobody picked up is announced (UNANSWERED). Said twice, nothing more happens."""
    at = at or timezone.now()
    freed = None
    with transaction.atomic():
        in_menu = ivr.session_in_menu(call_id)
        if in_menu is not None:
            return ivr.hung_up(in_menu, at)
        contact = _locked_with_its_agent(call_id)
        if contact.state == QueuedContact.State.ASSIGNED:
            freed = contact.offered_to
            answered = contact.events.filter(kind=ContactEvent.Kind.ANSWERED).exists()
            if contact.direction == Direction.OUTBOUND and not answered:
                # nobody picked up: a call list (outbound.py) records it and calls again later
                emit(UNANSWERED, contact, {"at": at.isoformat()})
            # a conversation took place: the agent gets the after-call work time before the next call
            services.complete_contact(freed, contact.pk, now=at, after_call_work=answered)
        elif contact.state in (QueuedContact.State.WAITING, QueuedContact.State.OFFERED):
            freed = services.abandon(contact, at)
    if freed is not None:
        connect_offers(services.dispatch_agent(freed, VOICE, now=at))
    return decision(_call(call_id))


def recording_ready(call_id: str, url: str, at: dt.datetime | None = None) -> dict:
    """Where the PBX keeps the call's recording: on the contact and in its log (Guanxi keeps no audio)."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"url": _("The recording's address must be an http(s) URL")}) from None
    contact = _call(call_id)
    QueuedContact.objects.filter(pk=contact.pk).update(recording=url)
    services.log_event(contact, ContactEvent.Kind.RECORDING, at or timezone.now(), url=url)
    return decision(_call(call_id))


def dial(user, customer_id: int, purpose: str = ConsentPurpose.SERVICE,
         now: dt.datetime | None = None) -> QueuedContact:
    """Click-to-dial: the agent's extension rings, then the customer's phone, through the gateway. Refused with
    the reason for a customer the agent may not see, without a phone the customer may be called on, without
    their consent to calls for that purpose, or outside the calling hours."""
    now = now or timezone.now()
    agent = Agent.objects.filter(user=user).first()
    if agent is None or not agent.extension:
        raise ValidationError({"extension": _("Only an agent with an extension can dial out")})
    customer = customer_services.get_customer(user, customer_id)
    customer_services.refuse_if_erased(customer)
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Unknown purpose “%(purpose)s”") % {"purpose": purpose}})
    phones = customer.contact_points.filter(kind=ContactKind.PHONE, opted_out=False)
    phone = phones.order_by("-is_primary", "pk").first()
    if phone is None:
        raise ValidationError({"customer_id": _("The customer has no phone number that may be called")})
    if not customer.consents.filter(channel=Channel.PHONE, purpose=purpose, granted=True).exists():
        raise ValidationError({"purpose": _("The customer has not agreed to calls for %(purpose)s")
                                          % {"purpose": ConsentPurpose(purpose).label}})
    start, end = settings.GUANXI_CALLING_HOURS
    if not start <= timezone.localtime(now).hour < end:
        raise ValidationError({"customer_id": _("Customers are called between %(start)s:00 and %(end)s:00 only")
                                              % {"start": start, "end": end}})
    contact = services.start_outbound(agent, customer, VOICE, party=phone.value, external_id=f"guanxi-{uuid.uuid4()}",
                                      now=now, purpose=purpose)
    try:
        telephony().dial(contact, agent.extension, phone.normalized)
    except Exception as exc:  # the telephone system refused or is down: the line must not stay held
        log.exception("the telephony gateway did not take the call %s", contact.external_id)
        call_ended(contact.external_id, now)
        raise ValidationError({"extension": _("The telephone system did not take the call: %(error)s")
                                            % {"error": exc}}) from exc
    return contact


def decision(contact: QueuedContact) -> dict:
    """What the PBX is told to do with the call now."""
    answer = {"call_id": contact.external_id, "contact_id": contact.pk, "state": contact.state,
              "customer_id": contact.customer_id, "tier": contact.tier}
    if contact.state in (QueuedContact.State.OFFERED, QueuedContact.State.ASSIGNED) and contact.offered_to:
        return answer | {"action": "connect", "extension": contact.offered_to.extension}
    if contact.state == QueuedContact.State.WAITING:
        return answer | {"action": "queue", "position": services.queue_position(contact)}
    if contact.state == QueuedContact.State.VOICEMAIL:
        return answer | {"action": "voicemail", "reason": contact.unroutable_reason}
    return answer | {"action": "hangup"}


def connect_offers(offers, but: QueuedContact | None = None) -> None:
    """Calls offered to agents outside a PBX's request are put through by the gateway (`but` is in the answer
    to the request itself), once the offer is committed; offers of other channels reach the agents' desktops
    through the event log."""
    for offered, agent in offers:
        if offered.channel == VOICE and (but is None or offered.pk != but.pk):
            transaction.on_commit(functools.partial(telephony().connect, offered, agent.extension))


def _locked_with_its_agent(call_id: str, *others: Agent | None) -> QueuedContact:
    """The call's row locked after the row of the agent who has it (and of `others`): services.locked_with_its_agent."""
    _call(call_id)  # an unknown call id is refused naming it
    contact = services.locked_with_its_agent(QueuedContact.objects.filter(channel=VOICE, external_id=call_id),
                                             *(other.pk for other in others if other is not None))
    if contact is None:
        raise ValidationError({"call_id": _("Call “%(call)s” is changing hands; send the event again")
                                          % {"call": call_id}})
    return contact


def _call(call_id: str, missing_ok: bool = False) -> QueuedContact | None:
    contact = (QueuedContact.objects.select_related("offered_to")
               .filter(channel=VOICE, external_id=call_id).first() if call_id else None)
    if contact is None and not missing_ok:
        raise ValidationError({"call_id": _("No call “%(call)s” is known") % {"call": call_id}})
    return contact


def _agent_at(extension: str) -> Agent:
    agent = Agent.objects.filter(extension=extension).first() if extension else None
    if agent is None:
        raise ValidationError({"extension": _("No agent has extension “%(extension)s”") % {"extension": extension}})
    return agent
