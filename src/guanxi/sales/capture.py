"""Capturing a lead: from the hotline and the API (a signed-in user), from a dealer's showroom, or
from the public web form. Every lead is about a customer record: a known one matched by phone or
email (an owner asking about a new car makes a repurchase lead), else a new prospect.

Matching searches the whole shared database for head office, the call center and the web form;
a dealer's people match only among the customers they may already see, so a showroom form cannot
be used to find out whether a phone number belongs to another dealer's customer.
"""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.jobs import system_actor
from guanxi.core.limits import RateLimited
from guanxi.core.outbox import emit
from guanxi.core.scoping import require, sees_everything
from guanxi.customers import normalize as norm
from guanxi.customers import services as customer_services
from guanxi.customers.models import ConsentPurpose, ContactKind, ContactPoint, Customer, Ownership, Source
from guanxi.sales import assignment, catalog
from guanxi.sales.dealers import dealer_for
from guanxi.sales.models import Lead, LeadEvent, LeadEventKind, LeadSource

INTEREST_FIELDS = ("model", "trim", "budget", "payment", "timeframe", "province", "city", "note")
LEADS_AT_ONCE = 500  # one request of a bulk capture: a day of an auto show's stand
WEB_LEADS_PER_HOUR = 5  # from one address: a family may ask for two cars, a script asks for hundreds
CUSTOMER_SOURCE = {LeadSource.HOTLINE: Source.HOTLINE, LeadSource.WEB: Source.WEB, LeadSource.AUTO_SHOW: Source.EVENT,
                   LeadSource.WALK_IN: Source.WALK_IN, LeadSource.REFERRAL: Source.REFERRAL,
                   LeadSource.CAMPAIGN: Source.HOTLINE}


def capture_lead(user, data: dict, *, sender_key: str = "") -> Lead:
    """A new lead for the customer `customer_id`, or for the person with this phone or email
    (found or made a prospect); handed at once to a dealer: the one named by `dealer_id`, the
    capturing user's own dealer (a showroom walk-in, accepted at once), else the distribution
    rules' choice."""
    require(user, Lead.permission_key, "add")
    with transaction.atomic():
        lead, dealer_id, own = _record(user, data, sender_key)
        if dealer_id is None:
            assignment.assign_automatically(lead, user)
        else:
            _hand_to_named(lead, dealer_id, own, user)
    return lead


def capture_leads(user, rows: list[dict]) -> list[Lead]:
    """Many leads at once (an auto show's visitor list, a campaign's answers, an import), each
    captured as `capture_lead` captures one; all or none: every refused row is named
    (`leads[3].phone`) and nothing is kept. Those the distribution rules place are handed over in
    one batch (`assignment.assign_waiting`: the dealers one by one would give, at a fraction of
    the cost)."""
    require(user, Lead.permission_key, "add")
    if not rows or len(rows) > LEADS_AT_ONCE:
        raise ValidationError({"leads": _("Send between 1 and %(most)d leads at once.") % {"most": LEADS_AT_ONCE}})
    errors, captured, for_the_rules = {}, [], []
    with transaction.atomic():
        for index, data in enumerate(rows):
            try:
                with transaction.atomic():
                    lead, dealer_id, own = _record(user, data)
            except ValidationError as refused:
                by_field = refused.message_dict if hasattr(refused, "error_dict") else {"__all__": refused.messages}
                errors.update({f"leads[{index}].{field}": messages for field, messages in by_field.items()})
                continue
            except (Http404, PermissionDenied) as refused:  # a customer_id the user may not see or act on
                errors[f"leads[{index}].customer_id"] = [str(refused) or _("No such customer, or not one you may see.")]
                continue
            captured.append(lead)
            if dealer_id is None:
                for_the_rules.append(lead)
            else:
                _hand_to_named(lead, dealer_id, own, user)
        if errors:
            raise ValidationError(errors)
        assignment.assign_waiting(for_the_rules, user)
    return captured


def _record(user, data: dict, sender_key: str = "") -> tuple[Lead, int | None, bool]:
    """The lead written with its capture event, not yet handed over; (the lead, the dealer named or
    the user's own, whether it is the user's own)."""
    data = catalog.with_model_checked(data)
    dealer_id, own = dealer_for(user, Lead.permission_key, data.get("dealer_id"))
    customer, known = _customer_for(user, data, dealer_id if own else None)
    lead = Lead(customer=customer, source=data.get("source") or LeadSource.HOTLINE, created_by=user,
                org_unit_id=user.primary_unit_id, sender_key=sender_key,
                repurchase=known and Ownership.objects.filter(customer=customer).exists(),
                **{field: data[field] for field in INTEREST_FIELDS if data.get(field) not in (None, "")})
    lead.province = lead.province or customer.province
    lead.city = lead.city or customer.city
    lead.full_clean(exclude=["customer", "org_unit", "dealer", "lost_reason", "created_by"])
    lead.save()
    LeadEvent.objects.create(lead=lead, kind=LeadEventKind.CAPTURED, at=lead.created_at, user=user)
    emit("sales.lead.captured", lead, {"customer_id": customer.pk, "source": lead.source}, actor=user)
    return lead, dealer_id, own


def _hand_to_named(lead: Lead, dealer_id: int, own: bool, user) -> None:
    assignment.hand_over(lead, dealer_id, [("own_lead" if own else "chosen_at_capture", None)], user)
    if own:
        assignment.accept_now(lead, user)


def _customer_for(user, data: dict, home_dealer_id: int | None) -> tuple[Customer, bool]:
    """(the customer, whether it was known). A lead needs a way to reach the person."""
    if data.get("customer_id"):
        customer = customer_services.get_customer(user, data["customer_id"], "view")
        customer_services.refuse_if_erased(customer)
        return customer, True
    contacts = _contacts(data)
    if not contacts:
        raise ValidationError({"phone": _("Give a phone number or an email address: a lead nobody can call is lost.")})
    candidates = ContactPoint.objects.filter(customer__erased_at__isnull=True)
    if not sees_everything(user, "customers.customer", "view"):
        candidates = candidates.filter(customer__in=Customer.objects.restrict(user, "view"))
    for kind, normalized in contacts:
        found = candidates.filter(kind=kind, normalized=normalized).order_by("customer_id").first()
        if found is not None:
            return found.customer, True
    if not (data.get("name") or "").strip():
        raise ValidationError({"name": _("Give the person's name.")})
    source = CUSTOMER_SOURCE.get(data.get("source"), Source.HOTLINE)
    profile = {"name": data["name"], "source": source, "province": data.get("province") or "",
               "city": data.get("city") or "", "home_dealer_id": home_dealer_id}
    made = customer_services.create_customer(
        user, profile, [{"kind": kind, "value": data[field]} for kind, field in KINDS if data.get(field)])
    return made, False


KINDS = ((ContactKind.PHONE, "phone"), (ContactKind.EMAIL, "email"))


def _contacts(data: dict) -> list[tuple[str, str]]:
    """(kind, normalized value) of the phone and email given; a malformed one is named."""
    found, errors = [], {}
    for kind, field in KINDS:
        value = (data.get(field) or "").strip()
        if not value:
            continue
        try:
            normalize = norm.normalize_phone if kind == ContactKind.PHONE else norm.normalize_email
            found.append((kind, normalize(value, settings.GUANXI_DEFAULT_REGION) if kind == ContactKind.PHONE
                          else normalize(value)))
        except norm.InvalidValue as exc:
            errors[field] = str(exc)
    if errors:
        raise ValidationError(errors)
    return found


# --- the public web form ------------------------------------------------------------------------


def sender_key(address: str) -> str:
    """The sender's address, kept only as a keyed hash: enough to count, nothing to read back."""
    return hmac.new(settings.GUANXI_PII_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def web_enquiry(data: dict, address: str) -> Lead:
    """A prospect's own enquiry from the website: at most WEB_LEADS_PER_HOUR an hour from one
    address; the prospect's consent to be called about it is recorded with the lead."""
    key = sender_key(address)
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    if Lead.objects.filter(sender_key=key, created_at__gte=hour_ago).count() >= WEB_LEADS_PER_HOUR:
        raise RateLimited(_("We have several enquiries from you already: a dealer will call you soon."))
    actor = system_actor()
    with transaction.atomic():
        lead = capture_lead(actor, {**data, "source": LeadSource.WEB}, sender_key=key)
        for channel in ("phone", "email"):
            if data.get(channel):
                customer_services.record_consent(actor, lead.customer_id, {
                    "channel": channel, "purpose": ConsentPurpose.MARKETING, "granted": True,
                    "how": (_("Web form: asked to be contacted about %(model)s") % {"model": lead.model})[:100]})
    return lead
