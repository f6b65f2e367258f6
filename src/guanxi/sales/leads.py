"""What happens to a lead once a dealer has it: accepted or rejected, then the dealer's reports
(called, test drive, quote, order, lost and why) that close the loop with head office. A report
moves the lead forward, never back; a lost or converted lead changes only after reopening. The
customer's lifecycle stage follows: a test drive or quote makes an opportunity, an order a
contracted customer.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.outbox import emit
from guanxi.core.scoping import get_restricted
from guanxi.customers import services as customer_services
from guanxi.customers.models import Stage
from guanxi.sales import assignment, catalog
from guanxi.sales.models import (
    FEEDBACK_STATUS,
    DealerDesk,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadStatus,
    LostReason,
)

CHANGEABLE = ("model", "trim", "budget", "payment", "timeframe", "verification", "province", "city", "note")
PROGRESS = [LeadStatus.NEW, LeadStatus.ASSIGNED, LeadStatus.ACCEPTED, LeadStatus.CONTACTED, LeadStatus.QUALIFIED,
            LeadStatus.CONVERTED]
STAGE_AFTER = {LeadStatus.QUALIFIED: Stage.OPPORTUNITY, LeadStatus.CONVERTED: Stage.CONTRACTED}
STAGES_BEFORE = {Stage.OPPORTUNITY: (Stage.TARGET, Stage.PROSPECT),
                 Stage.CONTRACTED: (Stage.TARGET, Stage.PROSPECT, Stage.OPPORTUNITY)}


def _locked(user, pk, action: str = "change") -> Lead:
    lead = get_restricted(user, Lead, pk, action)
    return Lead.objects.select_for_update(of=("self",)).select_related("customer").get(pk=lead.pk)


def update_lead(user, pk, data: dict) -> Lead:
    """The prospect's interest as it becomes clearer (model, budget, timeframe, verification)."""
    with transaction.atomic():
        lead = _locked(user, pk)
        data = catalog.with_model_checked(data, lead.model)
        for field in CHANGEABLE:
            if data.get(field) is not None:
                setattr(lead, field, data[field])
        lead.full_clean(exclude=["customer", "org_unit", "dealer", "lost_reason", "created_by"])
        lead.save()
    return lead


def accept(user, pk) -> Lead:
    with transaction.atomic():
        lead = _locked(user, pk)
        if lead.status != LeadStatus.ASSIGNED:
            raise ValidationError({"status": _("Only a lead waiting for its dealer can be accepted.")})
        return assignment.accept_now(lead, user)


def reject(user, pk, reason: str = "") -> Lead:
    """The dealer gives the lead back, saying why; it goes to the next dealer at once."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, so that head office can place it better.")})
    with transaction.atomic():
        lead = _locked(user, pk)
        if lead.status not in (LeadStatus.ASSIGNED, LeadStatus.ACCEPTED):
            raise ValidationError({"status": _("Only a lead not yet worked can be given back.")})
        LeadEvent.objects.create(lead=lead, kind=LeadEventKind.REJECTED, at=timezone.now(), user=user,
                                 dealer_id=lead.dealer_id, note=reason.strip()[:500])
        return assignment.pass_on(lead, user, LeadEventKind.ASSIGNED)


def report(user, pk, kind: str, note: str = "", reason_id=None) -> Lead:
    """The dealer's feedback: the lead moves forward (a report on a lead not yet accepted accepts
    it); LOST needs a reason from the list; the first report is the first call."""
    if kind not in FEEDBACK_STATUS:
        raise ValidationError({"kind": _("Report one of: %(kinds)s.") % {"kinds": ", ".join(FEEDBACK_STATUS)}})
    reason = None
    if kind == LeadEventKind.LOST:
        reason = LostReason.objects.filter(pk=reason_id, active=True).first() if reason_id else None
        if reason is None:
            raise ValidationError({"reason_id": _("Choose why the lead was lost.")})
    now = timezone.now()
    with transaction.atomic():
        lead = _locked(user, pk)
        if not lead.is_open:
            raise ValidationError({"kind": _("This lead is %(status)s: reopen it first.")
                                   % {"status": lead.get_status_display().lower()}})
        if lead.dealer_id is None:
            raise ValidationError({"kind": _("Hand the lead to a dealer first.")})
        if lead.status == LeadStatus.ASSIGNED:
            assignment.accept_now(lead, user, now)
        if lead.contacted_at is None:
            lead.contacted_at = now
            if lead.contact_by is None or now <= lead.contact_by:
                DealerDesk.objects.filter(dealer_id=lead.dealer_id).update(contacted_in_time=F("contacted_in_time") + 1)
        lead.status = _forward(lead.status, FEEDBACK_STATUS[kind])
        if lead.status in (LeadStatus.CONVERTED, LeadStatus.LOST):
            lead.closed_at = now
        lead.lost_reason = reason
        lead.save()
        LeadEvent.objects.create(lead=lead, kind=kind, at=now, user=user, dealer_id=lead.dealer_id, reason=reason,
                                 note=note.strip()[:500])
        emit(f"sales.lead.{kind}", lead, {"dealer_id": lead.dealer_id, "status": lead.status}, actor=user)
        _move_customer_stage(user, lead)
    return lead


def _forward(current: str, reported: str) -> str:
    if reported == LeadStatus.LOST:
        return reported
    return max(current, reported, key=PROGRESS.index)


def _move_customer_stage(user, lead: Lead) -> None:
    stage = STAGE_AFTER.get(lead.status)
    if stage and lead.customer.lifecycle_stage in STAGES_BEFORE[stage]:
        customer_services.change_stage(user, lead.customer, stage, _("Lead %(pk)s: %(status)s")
                                       % {"pk": lead.pk, "status": lead.get_status_display()})


def reopen(user, pk, note: str = "") -> Lead:
    """A lost lead comes back (the prospect called again): with its dealer, as accepted."""
    with transaction.atomic():
        lead = _locked(user, pk)
        if lead.status != LeadStatus.LOST:
            raise ValidationError({"status": _("Only a lost lead can be reopened.")})
        lead.status = LeadStatus.ACCEPTED if lead.dealer_id else LeadStatus.NEW
        lead.closed_at, lead.lost_reason = None, None
        lead.save()
        LeadEvent.objects.create(lead=lead, kind=LeadEventKind.REOPENED, at=timezone.now(), user=user,
                                 dealer_id=lead.dealer_id, note=note.strip()[:500])
    return lead
