"""Working a deal: open it (from a lead or for a customer), move it along the funnel, win or lose
it (with a reason), reopen a lost one. Every move is kept with its time and author, and how long
the deal stood in the stage it left, so that the funnel can give conversion rates and days per
stage without reading the whole history. The customer's lifecycle stage follows the deal."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.outbox import emit
from guanxi.core.scoping import get_restricted, require, within_reach
from guanxi.customers import relationships
from guanxi.customers import services as customer_services
from guanxi.customers.models import RelationshipKind, Stage
from guanxi.sales import catalog, leads
from guanxi.sales.dealers import dealer_for
from guanxi.sales.models import (
    CLOSED_STAGES,
    DAYS_IN_STAGE,
    FUNNEL_STAGES,
    Lead,
    LostReason,
    Opportunity,
    OpportunityStage,
    OpportunityStep,
)

CHANGEABLE = ("name", "model", "amount", "probability", "expected_close")
CUSTOMER_STAGE = {OpportunityStage.INTENT: Stage.OPPORTUNITY, OpportunityStage.NEGOTIATION: Stage.OPPORTUNITY,
                  OpportunityStage.CONTRACT: Stage.CONTRACTED, OpportunityStage.WON: Stage.CONTRACTED}
EARLIER_STAGES = {Stage.OPPORTUNITY: (Stage.TARGET, Stage.PROSPECT),
                  Stage.CONTRACTED: (Stage.TARGET, Stage.PROSPECT, Stage.OPPORTUNITY)}
_EXCLUDED = ["customer", "dealer", "owner", "lead", "lost_reason", "created_by"]


def furthest_index(stage: str) -> int:
    """How far along the funnel a stage is: 0 initial … 3 contract, 4 won; lost counts nothing."""
    return len(FUNNEL_STAGES) if stage == OpportunityStage.WON else (
        FUNNEL_STAGES.index(stage) if stage in FUNNEL_STAGES else 0)


def open_opportunity(user, data: dict) -> Opportunity:
    """A new deal with the customer `customer_id` (from `lead_id`: the lead's customer, model and
    budget), worked by the dealer named, else the lead's, else the customer's home dealer when it is
    one the user works for (head office: any), else the user's own dealer. The dealer gets a SALES
    relationship with the customer."""
    require(user, Opportunity.permission_key, "add")
    data = catalog.with_model_checked(data)
    customer = customer_services.get_customer(user, data.get("customer_id"), "view")
    customer_services.refuse_if_erased(customer)
    lead = get_restricted(user, Lead, data["lead_id"], "change") if data.get("lead_id") else None
    if lead is not None and lead.customer_id != customer.pk:
        raise ValidationError({"lead_id": _("This lead is about another customer.")})
    named = data.get("dealer_id") or (lead.dealer_id if lead else None)
    if named is None and customer.home_dealer_id and within_reach(user, Opportunity.permission_key, "add",
                                                                   customer.home_dealer_id):
        named = customer.home_dealer_id
    dealer_id, _own = dealer_for(user, Opportunity.permission_key, named)
    if dealer_id is None:
        raise ValidationError({"dealer_id": _("Choose the dealer working the deal.")})
    now = timezone.now()
    model = data.get("model") or (lead.model if lead else "")
    amount = data.get("amount") if data.get("amount") is not None else (lead.budget if lead else None)
    opportunity = Opportunity(
        name=data.get("name") or f"{customer} · {model}".strip(" ·"), customer=customer, dealer_id=dealer_id,
        lead=lead, owner=data.get("owner") or user, model=model, amount=amount, probability=data.get("probability"),
        expected_close=data.get("expected_close"), stage=OpportunityStage.INITIAL, stage_since=now, created_by=user,
    )
    opportunity.full_clean(exclude=_EXCLUDED)
    with transaction.atomic():
        opportunity.save()
        OpportunityStep.objects.create(opportunity=opportunity, to_stage=opportunity.stage, at=now, user=user)
        relationships.relate(customer, dealer_id, RelationshipKind.SALES, "opportunity", actor=user)
        emit("sales.opportunity.opened", opportunity, {"dealer_id": dealer_id, "amount": str(opportunity.amount)},
             actor=user)
    return opportunity


def _locked(user, pk) -> Opportunity:
    found = get_restricted(user, Opportunity, pk, "change")
    return Opportunity.objects.select_for_update(of=("self",)).select_related("customer", "lead").get(pk=found.pk)


def update_opportunity(user, pk, data: dict) -> Opportunity:
    with transaction.atomic():
        opportunity = _locked(user, pk)
        data = catalog.with_model_checked(data, opportunity.model)
        for field in CHANGEABLE:
            if field in data and (data[field] is not None or field in ("probability", "expected_close")):
                setattr(opportunity, field, data[field])
        opportunity.full_clean(exclude=_EXCLUDED)
        opportunity.save()
    return opportunity


def move(user, pk, stage: str, note: str = "", reason_id=None) -> Opportunity:
    """To another stage: any open stage from any open stage (deals go back too), won, or lost with a
    reason. A won or lost deal moves only after reopening."""
    if stage not in OpportunityStage.values:
        raise ValidationError({"stage": _("Unknown stage %(stage)s.") % {"stage": stage}})
    reason = None
    if stage == OpportunityStage.LOST:
        reason = LostReason.objects.filter(pk=reason_id, active=True).first() if reason_id else None
        if reason is None:
            raise ValidationError({"reason_id": _("Choose why the deal was lost.")})
    with transaction.atomic():
        opportunity = _locked(user, pk)
        if opportunity.stage in CLOSED_STAGES:
            raise ValidationError({"stage": _("This deal is %(stage)s: reopen it first.")
                                   % {"stage": opportunity.get_stage_display().lower()}})
        if stage == opportunity.stage:
            raise ValidationError({"stage": _("The deal is in this stage already.")})
        _step(user, opportunity, stage, note, reason)
        if stage == OpportunityStage.WON and opportunity.lead_id and opportunity.lead.is_open:
            leads.report(user, opportunity.lead_id, "order", _("Deal won: %(name)s") % {"name": opportunity.name})
    return opportunity


def reopen(user, pk, note: str = "") -> Opportunity:
    """A lost deal back where it was lost from (the prospect came back)."""
    with transaction.atomic():
        opportunity = _locked(user, pk)
        if opportunity.stage != OpportunityStage.LOST:
            raise ValidationError({"stage": _("Only a lost deal can be reopened.")})
        before = opportunity.steps.order_by("-at", "-id").values_list("from_stage", flat=True).first()
        _step(user, opportunity, before or OpportunityStage.INITIAL, note, None)
    return opportunity


def _step(user, opportunity: Opportunity, stage: str, note: str, reason) -> None:
    now = timezone.now()
    left, since = opportunity.stage, opportunity.stage_since
    opportunity.stage, opportunity.stage_since, opportunity.lost_reason = stage, now, reason
    opportunity.closed_at = now if stage in CLOSED_STAGES else None
    opportunity.furthest = max(opportunity.furthest, furthest_index(stage))
    days = (now - since).total_seconds() / 86400
    if left in DAYS_IN_STAGE:
        field = DAYS_IN_STAGE[left]
        setattr(opportunity, field, (getattr(opportunity, field) or 0) + days)
    opportunity.save()
    OpportunityStep.objects.create(opportunity=opportunity, from_stage=left, to_stage=stage, at=now, user=user,
                                   note=note.strip()[:500], days_in_previous=days)
    emit("sales.opportunity.moved", opportunity, {"from": left, "to": stage, "dealer_id": opportunity.dealer_id},
         actor=user)
    customer_stage = CUSTOMER_STAGE.get(stage)
    if customer_stage and opportunity.customer.lifecycle_stage in EARLIER_STAGES[customer_stage]:
        customer_services.change_stage(user, opportunity.customer, customer_stage,
                                       _("Deal %(name)s: %(stage)s") % {"name": opportunity.name,
                                                                       "stage": opportunity.get_stage_display()})
