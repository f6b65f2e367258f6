"""Follow-up after a closed ticket or work order: a survey, a call on a call-center agent's day to
ask it (the agent with the fewest open follow-ups), and a link the customer may answer instead.
An answer is recorded once; a low one opens a recovery ticket for the unit surveyed."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.core.models import OrgUnitKind
from guanxi.core.notify import holders
from guanxi.core.outbox import emit
from guanxi.core.scoping import get_restricted
from guanxi.customers.models import Activity, ActivityKind, ActivityState, Channel, ConsentPurpose, ContactKind
from guanxi.service import tickets
from guanxi.service.models import Priority, Survey, SurveyState, TicketKind

LINK_DAYS = 14
SALT = "guanxi.service.survey"
FOLLOW_UP_AT = dt.time(10)  # the next day, mid-morning


def _follow_up_agent():
    """Of the call center's people who record survey answers (whatever their role is called), the
    one with the fewest open follow-up calls; None without a call center."""
    askers = holders("service", "change_survey", Q(org_unit__kind=OrgUnitKind.CALL_CENTER))
    waiting = Activity.objects.filter(assignee=OuterRef("pk"), state=ActivityState.OPEN,
                                      link_type=ContentType.objects.get_for_model(Survey))
    return askers.annotate(open_follow_ups=Coalesce(Subquery(
        waiting.order_by().values("assignee").annotate(count=Count("pk")).values("count")), 0)).order_by(
        "open_follow_ups", "pk").first()


def schedule(customer, station_id, *, ticket=None, work_order=None) -> Survey | None:
    """A survey for what was just closed (once), and the agent's call to ask it."""
    if customer.erased_at is not None:
        return None
    already = _survey_of_the_visit(ticket, work_order)
    if already is not None:
        return already
    survey, created = Survey.objects.get_or_create(
        ticket=ticket, work_order=work_order, defaults={"customer": customer, "station_id": station_id})
    agent = _follow_up_agent()
    if created and agent is not None:
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)  # the call center's morning, whoever closed it
        tomorrow = timezone.localdate(timezone=zone) + dt.timedelta(days=1)
        with translation.override(agent.language or settings.LANGUAGE_CODE):  # the agent's words, not the worker's
            summary = _("Follow-up: %(about)s") % {"about": survey}
        Activity.objects.create(
            kind=ActivityKind.CALL, summary=summary[:200], customer=customer,
            assignee=agent, org_unit_id=agent.primary_unit_id, important=customer.tier in ("vip", "gold"),
            due_at=dt.datetime.combine(tomorrow, FOLLOW_UP_AT, tzinfo=zone),
            link_type=ContentType.objects.get_for_model(Survey), link_id=survey.pk)
    return survey


def _survey_of_the_visit(ticket, work_order) -> Survey | None:
    """One visit, one survey: a work order and the ticket it came from share theirs, whichever of
    the two is closed first."""
    ticket_id = ticket.pk if ticket is not None else work_order.ticket_id
    same = Q(work_order=work_order) if work_order is not None else Q(pk__in=[])
    if ticket_id:
        same |= Q(ticket_id=ticket_id) | Q(work_order__ticket_id=ticket_id)
    return Survey.objects.filter(same).first()


def link_token(survey: Survey) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(survey.pk))


def from_token(token: str) -> Survey:
    try:
        pk = signing.TimestampSigner(salt=SALT).unsign(token, max_age=dt.timedelta(days=LINK_DAYS))
    except signing.BadSignature as error:  # expired links are bad signatures too
        raise ValidationError(_("This link is not valid any more.")) from error
    return Survey.objects.select_related("customer", "station").get(pk=int(pk))


def _check(csat, nps) -> None:
    errors = {}
    if csat is None or not 1 <= csat <= 5:
        errors["csat"] = _("Give a score from 1 to 5.")
    if nps is not None and not 0 <= nps <= 10:
        errors["nps"] = _("Give a score from 0 to 10.")
    if errors:
        raise ValidationError(errors)


def record(user, pk, csat: int, nps: int | None = None, comment: str = "", channel: str = "phone") -> Survey:
    """The agent on the phone records the answer (or the customer through the link: `user` None)."""
    _check(csat, nps)
    with transaction.atomic():
        survey = get_restricted(user, Survey, pk, "change") if user is not None else Survey.objects.get(pk=pk)
        survey = Survey.objects.select_for_update(of=("self",)).select_related("customer").get(pk=survey.pk)
        if survey.state != SurveyState.SCHEDULED:
            raise ValidationError({"csat": _("This survey has been answered already.")})
        survey.csat, survey.nps, survey.comment = csat, nps, (comment or "").strip()[:2000]
        survey.state, survey.channel, survey.answered_at = SurveyState.ANSWERED, channel, timezone.now()
        survey.answered_by = user if user is not None and user.is_authenticated else None
        survey.full_clean(exclude=["customer", "station", "ticket", "work_order", "answered_by", "recovery_ticket"])
        _close_the_call(survey)
        if survey.is_low:
            survey.recovery_ticket = _recovery_ticket(survey)
        survey.save()
        emit("service.survey.answered", survey, {"station_id": survey.station_id, "csat": csat, "nps": nps},
             actor=user if user is not None and user.is_authenticated else None)
    return survey


def _recovery_ticket(survey: Survey):
    """Worded in the network's language (the customer may have answered through an English page)."""
    from guanxi.core.jobs import system_actor

    about = survey.work_order or survey.ticket
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Low satisfaction (%(csat)s/5) after %(about)s") % {"csat": survey.csat, "about": about}
    return tickets.open_ticket(system_actor(), {
        "customer_id": survey.customer_id, "kind": TicketKind.COMPLAINT, "priority": Priority.HIGH,
        "org_unit_id": survey.station_id, "channel": "phone",
        "vehicle_id": survey.work_order.vehicle_id if survey.work_order else survey.ticket.vehicle_id,
        "subject": subject[:200],
        "description": survey.comment})


def decline(user, pk) -> Survey:
    """The customer would rather not answer: the survey is closed, and the call with it."""
    with transaction.atomic():
        survey = get_restricted(user, Survey, pk, "change")
        survey = Survey.objects.select_for_update(of=("self",)).get(pk=survey.pk)
        if survey.state != SurveyState.SCHEDULED:
            raise ValidationError({"state": _("This survey has been answered already.")})
        survey.state, survey.answered_by, survey.answered_at = SurveyState.DECLINED, user, timezone.now()
        survey.save()
        _close_the_call(survey)
    return survey


def _close_the_call(survey: Survey) -> None:
    Activity.objects.filter(link_type=ContentType.objects.get_for_model(Survey), link_id=survey.pk,
                            state=ActivityState.OPEN).update(state=ActivityState.DONE, closed_at=timezone.now())


def send_link(user, pk, link: str) -> Survey:
    """E-mails the customer the survey's link instead of calling: to their primary e-mail address,
    only if they agreed to surveys by e-mail and did not opt out of that address (PIPL), worded in
    their language. The follow-up call stays until they answer."""
    with transaction.atomic():
        survey = get_restricted(user, Survey.objects.select_related("customer", "station"), pk, "change")
        if survey.state != SurveyState.SCHEDULED:
            raise ValidationError({"state": _("This survey has been answered already.")})
        customer = survey.customer
        address = customer.contact_points.filter(kind=ContactKind.EMAIL, opted_out=False).order_by(
            "-is_primary", "pk").first()
        if address is None:
            raise ValidationError({"email": _("The customer has no e-mail address to send it to.")})
        if not customer.consents.filter(channel=Channel.EMAIL, purpose=ConsentPurpose.SURVEY, granted=True).exists():
            raise ValidationError({"email": _("The customer has not agreed to surveys by e-mail.")})
        with translation.override(customer.language or settings.LANGUAGE_CODE):
            subject = _("How did we do? %(station)s") % {"station": survey.station}
            body = _("Thank you for visiting %(station)s. Two questions, half a minute:\n\n%(link)s\n\n"
                     "The link works for %(days)s days.") % {"station": survey.station, "link": link,
                                                             "days": LINK_DAYS}
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address.value])
        survey.link_sent_at = timezone.now()
        survey.save(update_fields=["link_sent_at"])
    return survey
