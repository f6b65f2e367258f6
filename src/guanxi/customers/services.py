"""Domain operations on customers: what the UI, the API, jobs and the CLI call.

Each operation checks the user's right through the scoping layer, validates every field
before writing anything (a ValidationError names the field), and writes inside one
transaction, so bad input never leaves a half-written record.
"""

import datetime as dt
import functools
import re

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Right, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.audit import current_channel
from guanxi.core.limits import RateLimited, RecordedRefusal, undone_then_recorded
from guanxi.core.models import DomainEvent, OrgUnit, OrgUnitKind
from guanxi.core.outbox import emit
from guanxi.core.scoping import EVERYWHERE, ensure_in_scope, get_restricted, may, reach, require, sees_everything
from guanxi.customers import normalize as norm
from guanxi.customers import relationships
from guanxi.customers.models import (
    TAIL_DIGITS,
    VIN_SERIAL,
    Consent,
    ConsentPurpose,
    ContactKind,
    ContactPoint,
    Customer,
    GuardedLookup,
    Interaction,
    Ownership,
    Stage,
    StageChange,
    Vehicle,
)

ERASED_NAME = "已删除 / erased"


def get_customer(user, pk, action: str = "view") -> Customer:
    """The customer if the user may act on it; 404 otherwise (403 for a role that may not at all).
    To change an erased customer is refused (refuse_if_erased)."""
    customer = get_restricted(user, Customer.objects.select_related("home_dealer"), pk, action)
    if action == "change":
        refuse_if_erased(customer)
    return customer


def refuse_if_erased(customer: Customer) -> None:
    """An erased customer stays as erasure left it, whoever asks: filling it in again would undo
    what the customer asked for. An administrator restores it first (restore_customer)."""
    if customer.erased_at is not None:
        raise ValidationError({"customer": _("This customer's personal data was erased on request: the record "
                                             "cannot be changed unless an administrator restores it.")})


def _normalized_contact(kind: str, value: str) -> str:
    if kind == ContactKind.PHONE:
        return norm.normalize_phone(value, settings.GUANXI_DEFAULT_REGION)
    if kind == ContactKind.EMAIL:
        return norm.normalize_email(value)
    if kind in (ContactKind.WECHAT, ContactKind.ADDRESS):
        if not str(value).strip():
            raise norm.InvalidValue("may not be empty")
        return str(value).strip().lower() if kind == ContactKind.WECHAT else str(value).strip()
    raise norm.InvalidValue(f"unknown kind {kind!r}")


def _check(errors: dict, field: str, func, *args):
    try:
        return func(*args)
    except norm.InvalidValue as exc:
        errors[field] = str(exc)


def _home_dealer_for(user, dealer_id):
    """Without a dealer named, a user who adds customers at exactly one dealer files them there."""
    if dealer_id is None:
        where = reach(user, "customers.customer", "add")
        if where == EVERYWHERE:
            return None
        dealers = list(OrgUnit.objects.filter(pk__in=where, kind=OrgUnitKind.DEALER)[:2])
        return dealers[0] if len(dealers) == 1 else None
    return _dealer_in_scope(user, dealer_id, "home_dealer_id")


def _dealer_in_scope(user, dealer_id, field: str) -> OrgUnit:
    """A dealer the user may assign records to: HQ any, a region its own, a dealer itself."""
    dealer = OrgUnit.objects.filter(pk=dealer_id, kind=OrgUnitKind.DEALER).first()
    if dealer is None:
        raise ValidationError({field: _("No such dealer.")})
    where = reach(user, "customers.customer", "change")
    if where != EVERYWHERE and dealer.pk not in where:
        raise ValidationError({field: _("You may not assign records to this dealer.")})
    return dealer


CUSTOMER_FIELDS = (
    "kind",
    "name",
    "name_latin",
    "gender",
    "birth_date",
    "segment",
    "tier",
    "source",
    "language",
    "province",
    "city",
)


CHANGEABLE_FIELDS = (*CUSTOMER_FIELDS, "home_dealer_id", "national_id", "lifecycle_stage", "referred_by_id")


def _apply_customer_fields(customer: Customer, data: dict, errors: dict) -> None:
    for field in CUSTOMER_FIELDS:
        if field in data and data[field] is not None:
            setattr(customer, field, data[field])
    if "national_id" in data and data["national_id"]:
        number = _check(errors, "national_id", norm.check_national_id, data["national_id"])
        if number:
            customer.national_id_hash = norm.hash_national_id(number, settings.GUANXI_PII_KEY)
            customer.national_id_masked = norm.mask_national_id(number)
    try:
        customer.full_clean(exclude=["home_dealer", "referred_by"])
    except ValidationError as exc:
        errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})


def referrers_in_sight(user) -> QuerySet:
    """The customers the user may name, or read, as someone's referrer: those they may see whose record was not
    erased."""
    return Customer.objects.restrict(user, "view").filter(erased_at__isnull=True)


def _apply_referrer(user, customer: Customer, data: dict, errors: dict) -> None:
    """Who referred the customer: another customer the user may see and whose record was not erased (None
    clears it)."""
    if "referred_by_id" not in data:
        return
    referrer_id = data["referred_by_id"]
    if referrer_id is not None and referrer_id == customer.referred_by_id:
        return  # as it was: not checked again (since erased, or out of the user's sight, it stays)
    if referrer_id is None:
        if customer.referred_by_id and not referrers_in_sight(user).filter(pk=customer.referred_by_id).exists():
            return  # the API answered null for a referrer out of sight: sending that back keeps it, as the form does
        customer.referred_by = None
        return
    referrer = referrers_in_sight(user).filter(pk=referrer_id).first()
    if referrer is None:
        errors["referred_by_id"] = _("No customer number %(id)s that you may see.") % {"id": referrer_id}
    elif referrer.pk == customer.pk:
        errors["referred_by_id"] = _("A customer cannot have referred themselves.")
    else:
        customer.referred_by = referrer


def create_customer(user, data: dict, contacts: list[dict] | None = None) -> Customer:
    require(user, "customers.customer", "add")
    errors: dict = {}
    customer = Customer(lifecycle_stage=data.get("lifecycle_stage") or "prospect")
    _apply_customer_fields(customer, data, errors)
    _apply_referrer(user, customer, data, errors)
    prepared = []
    for i, contact in enumerate(contacts or []):
        normalized = _check(
            errors, f"contacts[{i}].value", _normalized_contact, contact.get("kind"), contact.get("value", "")
        )
        point = ContactPoint(kind=contact.get("kind"), value=contact.get("value", ""), normalized=normalized or "",
                             is_primary=contact.get("is_primary", False))
        try:
            point.full_clean(exclude=["customer", "normalized"])
        except ValidationError as exc:
            errors.update({f"contacts[{i}].{k}": " ".join(v) for k, v in exc.message_dict.items()
                           if f"contacts[{i}].{k}" not in errors})
        prepared.append(point)
    if errors:
        raise ValidationError(errors)
    customer.home_dealer = _home_dealer_for(user, data.get("home_dealer_id"))
    if customer.home_dealer is None and not sees_everything(user, "customers.customer", "change"):
        raise ValidationError({"home_dealer_id": _("Choose the home dealer: one of the dealers you work for.")})
    with transaction.atomic():
        customer.save()
        relationships.set_owner_of_record(customer, user)
        ensure_in_scope(user, customer, "change", "home_dealer_id")
        StageChange.objects.create(
            customer=customer,
            to_stage=customer.lifecycle_stage,
            changed_at=timezone.now(),
            changed_by=user,
            channel=current_channel(),
            reason=(data.get("stage_reason") or "").strip()[:500],
        )
        for point in prepared:
            point.customer = customer
            point.save()
        emit("customers.customer.created", customer, {"home_dealer_id": customer.home_dealer_id}, actor=user)
        if data.get("national_id"):
            _flag_shared_national_id(customer, user)
    return customer


def update_customer(user, pk, data: dict) -> Customer:
    """Changes a customer; the row is locked for the change, so a concurrent write (a stage change,
    analytics) is not overwritten with values read before it."""
    with transaction.atomic():
        customer = get_restricted(user, Customer.objects.select_for_update(of=("self",)), pk, "change")
        refuse_if_erased(customer)
        errors: dict = {}
        _apply_customer_fields(customer, data, errors)
        _apply_referrer(user, customer, data, errors)
        if errors:
            raise ValidationError(errors)
        if "home_dealer_id" in data and data["home_dealer_id"] != customer.home_dealer_id:
            _move_owner_of_record(user, customer, data["home_dealer_id"])
        customer.save()
        relationships.set_owner_of_record(customer, user)
        ensure_in_scope(user, customer, "change", "home_dealer_id")
        changed = sorted(field for field in data if field in CHANGEABLE_FIELDS)
        emit("customers.customer.changed", customer, {"fields": changed}, actor=user)
        if data.get("national_id"):
            _flag_shared_national_id(customer, user)
        if data.get("lifecycle_stage"):
            change_stage(user, customer, data["lifecycle_stage"], data.get("stage_reason") or "")
    return customer


POSSIBLE_DUPLICATE = "customers.customer.possible_duplicate"
PROFILING_REFUSED = "customers.customer.profiling_refused"


def _flag_shared_national_id(customer: Customer, user) -> None:
    """Another customer with the same ID number is most likely the same person, filed twice (by two
    dealers, or once by the call center). Refusing would tell the writer that a customer they may
    not see exists, so the record is saved and head office is told (an event; consumers.py), to
    merge the two."""
    others = list(
        Customer.objects.filter(national_id_hash=customer.national_id_hash, erased_at__isnull=True)
        .exclude(pk=customer.pk).order_by("pk").values_list("pk", flat=True)[:10]
    )
    if others:
        emit(POSSIBLE_DUPLICATE, customer, {"same_national_id_as": others}, actor=user)


def _move_owner_of_record(user, customer: Customer, dealer_id) -> None:
    """Only the owner of record's side (its dealer, the region above it, head office) hands a
    customer to another dealer: a dealer that merely sells to or serves the customer may not take
    it from its owner."""
    where = reach(user, "customers.customer", "change")
    if where != EVERYWHERE and customer.home_dealer_id not in where:
        raise ValidationError(
            {"home_dealer_id": _("Only the home dealer's side or head office may move this customer.")}
        )
    if dealer_id is None and where != EVERYWHERE:
        raise ValidationError({"home_dealer_id": _("Only head office may leave a customer without a home dealer.")})
    customer.home_dealer = _home_dealer_for(user, dealer_id)


def change_stage(user, customer: Customer, stage: str, reason: str = "") -> None:
    """Moves the customer to `stage` and keeps the move, its author and its reason in the history."""
    if stage not in Stage.values:
        raise ValidationError({"lifecycle_stage": _("Unknown lifecycle stage %(stage)s.") % {"stage": stage}})
    if stage == customer.lifecycle_stage and customer.stage_changes.exists():
        return
    previous = Customer.objects.filter(pk=customer.pk).values_list("lifecycle_stage", flat=True).first()
    with transaction.atomic():
        customer.lifecycle_stage = stage
        customer.save(update_fields=["lifecycle_stage", "updated_at"])  # through save: the audit log sees it
        emit("customers.customer.stage_changed", customer, {"from": previous or "", "to": stage}, actor=user)
        StageChange.objects.create(
            customer=customer,
            from_stage=previous or "",
            to_stage=stage,
            changed_at=timezone.now(),
            changed_by=user,
            channel=current_channel(),
            reason=reason.strip()[:500],
        )


CONTACT_DETAILS = ("province", "city", "district", "is_primary")


def add_contact_point(user, customer_pk, data: dict) -> ContactPoint:
    customer = get_customer(user, customer_pk, "change")
    return _save_contact_point(ContactPoint(customer=customer), data)


def update_contact_point(user, contact_pk, data: dict) -> ContactPoint:
    """Changes a contact point of a customer the user may change; what is not in `data` stays."""
    contact = get_restricted(user, ContactPoint, contact_pk, "change")
    return _save_contact_point(contact, {"kind": contact.kind, "value": contact.value, **data})


def _save_contact_point(contact: ContactPoint, data: dict) -> ContactPoint:
    errors: dict = {}
    normalized = _check(errors, "value", _normalized_contact, data.get("kind"), data.get("value", ""))
    if errors:
        raise ValidationError(errors)
    contact.kind, contact.value, contact.normalized = data["kind"], data["value"], normalized
    for field in CONTACT_DETAILS:
        if data.get(field) is not None:
            setattr(contact, field, data[field])
    if data.get("opted_out") is not None and bool(data["opted_out"]) != contact.opted_out:
        contact.opted_out = bool(data["opted_out"])
        contact.opted_out_at = timezone.now() if contact.opted_out else None  # when the customer said so
    contact.full_clean(exclude=["customer", "normalized"])
    contact.save()
    return contact


def set_opt_out(user, contact_pk, opted_out: bool) -> ContactPoint:
    return update_contact_point(user, contact_pk, {"opted_out": opted_out})


def delete_contact_point(user, contact_pk) -> None:
    """Removing a wrong or stale number is changing the customer; the audit log keeps what it was."""
    get_restricted(user, ContactPoint, contact_pk, "change").delete()


def record_consent(user, customer_pk, data: dict) -> Consent:
    customer = get_customer(user, customer_pk, "change")
    consent = Consent.objects.filter(
        customer=customer, channel=data.get("channel"), purpose=data.get("purpose")
    ).first()
    consent = consent or Consent(customer=customer, channel=data.get("channel"), purpose=data.get("purpose"))
    consent.granted = data.get("granted")
    consent.how = data.get("how", "")
    consent.recorded_at = data.get("recorded_at") or timezone.now()
    consent.full_clean(validate_unique=False)  # a ValidationError naming each field
    with transaction.atomic():
        consent.save()
        if consent.purpose == ConsentPurpose.PROFILING and not consent.granted:
            emit(PROFILING_REFUSED, customer, actor=user)  # analytics forgets the customer's scores
    return consent


def change_consent(user, consent_pk, data: dict) -> Consent:
    """The customer's new answer for the same channel and purpose; the audit log keeps the old one."""
    consent = get_restricted(user, Consent, consent_pk, "change")
    kept = {"channel": consent.channel, "purpose": consent.purpose, "granted": consent.granted, "how": consent.how}
    return record_consent(user, consent.customer_id, {**kept, **data, "channel": consent.channel,
                                                      "purpose": consent.purpose})


def vehicle_known(vin: str) -> bool:
    """Whether the VIN is registered already (an invalid one is not)."""
    normalized = _or_none(norm.normalize_vin, vin)
    return bool(normalized) and Vehicle.objects.filter(vin=normalized).exists()


def add_vehicle(user, customer_pk, data: dict) -> Vehicle:
    """Registers a vehicle to a customer; a VIN already known is transferred (trade-in, second owner).

    A VIN on record outside the user's scope is refused, and the refusal recorded: registering VINs one after
    another would tell which cars exist elsewhere (a 201 for an unknown VIN, a 422 for a foreign one; no answer
    can be the same for both while the unknown one is registered). So past GUANXI_VIN_REFUSALS_PER_HOUR such
    refusals in an hour, every registration by the user waits for the hour to pass, and the administrators
    are told (docs/operators.md)."""
    customer = get_customer(user, customer_pk, "change")
    require(user, "customers.vehicle", "add")
    errors: dict = {}
    vin = _check(errors, "vin", norm.normalize_vin, data.get("vin", ""))
    plate = _check(errors, "plate", norm.normalize_plate, data["plate"]) if data.get("plate") else ""
    if errors:
        raise ValidationError(errors)
    refuse_past_the_limit(user, GuardedLookup.Kind.VIN_REFUSED)  # before anything tells whether the VIN exists
    with undone_then_recorded():
        vehicle = Vehicle.objects.select_for_update().filter(vin=vin).first() or Vehicle(vin=vin)
        if vehicle.pk and not _may_take_over(user, vehicle, customer):
            # Neither this vehicle's data nor its owner are shown; a transfer between dealers is HQ's.
            raise RecordedRefusal(
                {"vin": _("This VIN is registered outside your scope; head office can transfer it.")},
                record=lambda: GuardedLookup.objects.create(user=user, kind=GuardedLookup.Kind.VIN_REFUSED,
                                                            subject=vin))
        for field in VEHICLE_FIELDS:
            if data.get(field) is not None:
                setattr(vehicle, field, data[field])
        if plate:
            vehicle.plate = plate
        if data.get("selling_dealer_id"):
            vehicle.selling_dealer = _dealer_in_scope(user, data["selling_dealer_id"], "selling_dealer_id")
        elif vehicle.selling_dealer_id is None and customer.home_dealer_id:
            vehicle.selling_dealer_id = customer.home_dealer_id
        vehicle.full_clean(exclude=["vin"])
        vehicle.save()
        _transfer(vehicle, customer, since=data.get("purchase_date") or timezone.localdate())
    return vehicle


VEHICLE_FIELDS = ("model", "model_year", "purchase_date", "warranty_end", "mileage_km", "price")


def update_vehicle(user, pk, data: dict) -> Vehicle:
    """Changes a vehicle the user may change (its owner's side, or the workshop servicing it);
    the service station must be one the user works for (head office: any)."""
    vehicle = get_restricted(user, Vehicle, pk, "change")
    errors: dict = {}
    if data.get("plate"):
        vehicle.plate = _check(errors, "plate", norm.normalize_plate, data["plate"]) or vehicle.plate
    elif "plate" in data:
        vehicle.plate = ""
    for field in VEHICLE_FIELDS:
        if field in data:
            setattr(vehicle, field, data[field])
    if data.get("service_unit_id") and data["service_unit_id"] != vehicle.service_unit_id:
        vehicle.service_unit = _service_unit_in_scope(user, data["service_unit_id"])
    try:
        vehicle.full_clean(exclude=["vin"])
    except ValidationError as exc:
        errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        vehicle.save()
        ensure_in_scope(user, vehicle, "change", "service_unit_id")
        emit("customers.vehicle.changed", vehicle, {"fields": sorted(data)}, actor=user)
    return vehicle


def _service_unit_in_scope(user, unit_id) -> OrgUnit:
    unit = OrgUnit.objects.filter(pk=unit_id, has_service=True).first()
    if unit is None:
        raise ValidationError({"service_unit_id": _("No such service station or workshop.")})
    where = reach(user, "customers.vehicle", "change")
    if where != EVERYWHERE and unit.pk not in where:
        raise ValidationError({"service_unit_id": _("You may not send vehicles to this service station.")})
    return unit


def _may_take_over(user, vehicle: Vehicle, customer: Customer) -> bool:
    """Registering a known VIN changes the car and may end its current owner's ownership: the user
    must be allowed to change both. A workshop servicing a car may update it, but not hand it to
    one of its own customers unless it may change the owner too."""
    if not Vehicle.objects.restrict(user, "change").filter(pk=vehicle.pk).exists():
        return False
    owner_id = vehicle.ownerships.filter(end_date__isnull=True).values_list("customer_id", flat=True).first()
    return owner_id in (None, customer.pk) or Customer.objects.restrict(user, "change").filter(pk=owner_id).exists()


def _transfer(vehicle: Vehicle, customer: Customer, since) -> None:
    """Ends the current ownership (if another customer's) and starts the customer's."""
    current = Ownership.objects.filter(vehicle=vehicle, end_date__isnull=True).first()
    if current and current.customer_id == customer.pk:
        return
    if current:
        if since < current.start_date:
            raise ValidationError({"purchase_date": _("The current owner has owned this vehicle since a later date.")})
        current.end_date = since
        current.save()
    Ownership.objects.create(vehicle=vehicle, customer=customer, start_date=since)


def add_interaction(user, customer_pk, data: dict) -> Interaction:
    require(user, "customers.interaction", "add")
    customer = get_customer(user, customer_pk, "view")
    refuse_if_erased(customer)
    interaction = Interaction(
        customer=customer,
        user=user if user.is_authenticated else None,
        org_unit_id=user.primary_unit_id,
        occurred_at=data.get("occurred_at") or timezone.now(),
        **{k: data[k] for k in ("channel", "direction", "subject", "summary", "amount") if data.get(k) is not None},
    )
    interaction.full_clean(exclude=["customer", "user", "org_unit", "link_type"])
    with transaction.atomic():
        interaction.save()
        emit("customers.interaction.added", interaction,
             {"customer_id": customer.pk, "channel": interaction.channel, "org_unit_id": interaction.org_unit_id},
             actor=user)
    return interaction


def delete_vehicle(user, pk) -> None:
    """Only a vehicle registered by mistake: one with an earlier owner or on the timeline keeps its
    history (transfer it to its new owner instead)."""
    vehicle = get_restricted(user, Vehicle, pk, "delete")
    on_timeline = Interaction.objects.filter(
        link_type=ContentType.objects.get_for_model(Vehicle), link_id=vehicle.pk
    ).exists()
    if on_timeline or vehicle.ownerships.count() > 1:
        raise ValidationError({"vehicle": _("This vehicle has history (an earlier owner or timeline entries) "
                                            "and cannot be deleted.")})
    vehicle.delete()


INTERACTION_FIELDS = ("channel", "direction", "occurred_at", "subject", "summary", "amount")


def update_interaction(user, pk, data: dict) -> Interaction:
    """Corrects a timeline entry (a wrong subject, a forgotten summary); who logged it and for which
    unit stay as they were."""
    interaction = get_restricted(user, Interaction.objects.select_related("customer"), pk, "change")
    refuse_if_erased(interaction.customer)
    for field in set(INTERACTION_FIELDS) & set(data):
        setattr(interaction, field, "" if field == "summary" and data[field] is None else data[field])
    interaction.full_clean(exclude=["customer", "user", "org_unit", "link_type"])
    with transaction.atomic():
        interaction.save()
        emit("customers.interaction.changed", interaction, {"fields": sorted(data)}, actor=user)
    return interaction


def delete_interaction(user, pk) -> None:
    """An entry logged by mistake (the wrong customer); the audit log keeps what it said."""
    get_restricted(user, Interaction, pk, "delete").delete()


def has_history(customer: Customer) -> bool:
    return customer.interactions.exists() or customer.ownerships.exists()


def delete_customer(user, pk) -> None:
    """Only a customer with no history may be deleted; with history, erasure is the way."""
    customer = get_customer(user, pk, "delete")
    if has_history(customer):
        raise ValidationError(
            {"customer": _("This customer has history (interactions or vehicles); erase the personal data instead.")}
        )
    with transaction.atomic():
        emit("customers.customer.deleted", customer, actor=user)
        customer.delete()


ERASED_FIELDS = {
    "name": ERASED_NAME,
    "name_latin": "",
    "gender": "u",
    "birth_date": None,
    "national_id_hash": "",
    "national_id_masked": "",
    "province": "",
    "city": "",
    "referred_by": None,  # who brought them is a tie to another person
}


def erase_customer(user, pk) -> Customer:
    """Erasure on request (PIPL / GDPR): personal data goes, the facts that it happened stay.

    Names, birth date, ID, places and every contact point are removed; interaction subjects and
    summaries and the notes on consents are blanked (they are free text and hold names and
    numbers); the old values are blanked in the audit log of the customer and of every related
    record. What stays: the anonymous customer with its vehicles, dated interactions and amounts
    (the business facts), and one audit entry saying who erased it, when and through which channel.
    """
    customer = get_customer(user, pk, "erase")
    with transaction.atomic():
        related = {
            "contactpoint": list(customer.contact_points.values_list("pk", flat=True)),
            "consent": list(customer.consents.values_list("pk", flat=True)),
            "interaction": list(customer.interactions.values_list("pk", flat=True)),
            "ownership": list(customer.ownerships.values_list("pk", flat=True)),
        }
        customer.contact_points.all().delete()
        customer.consents.update(how="")
        customer.interactions.update(subject="—", summary="")
        for field, value in ERASED_FIELDS.items():
            setattr(customer, field, value)
        customer.save()
        _blank_audit_trail(customer, related)
        customer.erased_at = timezone.now()
        customer.save(update_fields=["erased_at", "updated_at"])  # the one entry that stays readable
        emit("customers.customer.erased", customer, actor=user)
    return customer


def restore_customer(user, pk) -> Customer:
    """Lifts the freeze on an erased customer (a customer who comes back and asks to be known
    again), for those who may erase; what erasure removed stays removed."""
    customer = get_customer(user, pk, "erase")
    if customer.erased_at is None:
        raise ValidationError({"customer": _("This customer was not erased.")})
    with transaction.atomic():
        customer.erased_at = None
        customer.save(update_fields=["erased_at", "updated_at"])
        emit("customers.customer.restored", customer, actor=user)
    return customer


def _blank_audit_trail(customer: Customer, related: dict[str, list[int]]) -> None:
    from auditlog.models import LogEntry

    blank = {"changes": {}, "changes_text": "", "object_repr": ERASED_NAME}
    LogEntry.objects.get_for_object(customer).update(**blank)
    for model, pks in related.items():
        LogEntry.objects.filter(
            content_type__app_label="customers", content_type__model=model, object_pk__in=[str(pk) for pk in pks]
        ).update(**blank)


LOOKUP_LIMIT = 20


def lookup(user, query: str, limit: int = LOOKUP_LIMIT):
    """The global search: phone, email, VIN, plate, ID number or name, each on its own indexed key."""
    query = (query or "").strip()
    customers = Customer.objects.restrict(user, "view").select_related("home_dealer")
    if not query:
        return customers.none()
    key = lookup_key(query)
    if key is None:
        return customers.filter(pk__in=_ids_by_name(customers, query, limit)).order_by("name", "pk")[:limit]
    if key[0] == "national_id":
        guard_national_id_lookup(user)
    return customers.filter(pk__in=_customer_ids_for(key)).order_by("pk")[:limit]


def possible_duplicates(user, phone: str = "", email: str = "", national_id: str = "") -> tuple[list[tuple], str]:
    """(customer, what matched) for the customers the user may see who share the phone number,
    e-mail address or ID number being typed in for a new customer, and why the ID number was not
    looked up ("" if it was). An incomplete or invalid value looks nothing up; an ID number counts
    towards the user's searches by ID number, once an hour however often the form asks."""
    found: dict = {}
    refusal = ""
    for label, value, ok in (
        (_("same mobile number"), phone, lambda v: len(re.sub(r"\D", "", v)) >= 11),
        (_("same e-mail address"), email, lambda v: "@" in v),
        (_("same ID number"), national_id, lambda v: len(v.strip()) == 18),
    ):
        key = lookup_key(value.strip()) if value and ok(value) else None
        if key is None or key[0] not in (ContactKind.PHONE, ContactKind.EMAIL, "national_id"):
            continue
        if key[0] == "national_id":
            try:
                _guard_once_an_hour(user, key[1])
            except RateLimited as limited:
                refusal = str(limited)
                continue
        for customer in Customer.objects.restrict(user, "view").filter(pk__in=_customer_ids_for(key))[:5]:
            found.setdefault(customer, []).append(label)
    return [(customer, ", ".join(labels)) for customer, labels in found.items()], refusal


def _guard_once_an_hour(user, national_id_hash: str) -> None:
    """The form asks again each time another field changes: the same ID number counts once an hour."""
    key = f"guanxi:duplicate-id-checked:{user.pk}:{national_id_hash}"
    if cache.get(key) is None:
        guard_national_id_lookup(user)
        cache.set(key, True, 3600)


# the domain event of a user's first refusal in an hour, per kind of guarded look-up (consumers.py tells the
# administrators)
LOOKUP_BURST = {GuardedLookup.Kind.NATIONAL_ID: "customers.national_id_lookup.limit_reached",
                GuardedLookup.Kind.VIN_REFUSED: "customers.vin_refused.limit_reached"}


def guard_national_id_lookup(user) -> None:
    """Records a search by ID number, or refuses it once the user made GUANXI_ID_LOOKUPS_PER_HOUR
    in the last hour.

    An ID number is the one identifier that can be found by trying candidates: the birth date and
    the region leave a few hundred (364 in a test once, found after 86 tries). Refusals are not
    recorded as searches, so asking again does not push the limit further out.
    """
    refuse_past_the_limit(user, GuardedLookup.Kind.NATIONAL_ID)
    GuardedLookup.objects.create(user=user, kind=GuardedLookup.Kind.NATIONAL_ID)


def refuse_past_the_limit(user, kind: str) -> None:
    """RateLimited once the user has the hour's limit of guarded look-ups of `kind` (GUANXI_ID_LOOKUPS_PER_HOUR,
    GUANXI_VIN_REFUSALS_PER_HOUR); the first refusal of an hour is a domain event (LOOKUP_BURST)."""
    since = timezone.now() - dt.timedelta(hours=1)
    limit = (settings.GUANXI_ID_LOOKUPS_PER_HOUR if kind == GuardedLookup.Kind.NATIONAL_ID
             else settings.GUANXI_VIN_REFUSALS_PER_HOUR)
    done = GuardedLookup.objects.filter(user=user, kind=kind, at__gte=since).count()
    if done < limit:
        return

    def tell_once_an_hour():
        if not DomainEvent.objects.filter(name=LOOKUP_BURST[kind], actor=user, occurred_at__gte=since).exists():
            emit(LOOKUP_BURST[kind], None, {"user_id": user.pk, "kind": kind, "count": done, "limit": limit},
                 actor=user)

    if kind == GuardedLookup.Kind.NATIONAL_ID:
        message = _("You have searched by ID number %(limit)d times in the last hour, the most allowed. "
                    "Search by phone or name, or try again later; your administrators have been told.")
    else:
        message = _("%(limit)d vehicles you registered in the last hour were on record outside your scope, the most "
                    "allowed: registering vehicles pauses until an hour has passed. Ask head office to transfer a "
                    "car; your administrators have been told.")
    with undone_then_recorded():  # the event is emitted once whatever the caller's transaction does
        raise RateLimited(message % {"limit": limit}, record=tell_once_an_hour)


SEARCH_COUNTED_UP_TO = 100  # the search page counts this many hits, then says "more than 100"


def matched_identifiers(query: str, customer_ids: list[int]) -> dict[int, str]:
    """What each customer found was found by, to show beside the name: the phone number or e-mail
    address masked (the one who typed four digits learns no more), the car's VIN or plate, the
    ID number's mask. Nothing for a name: the name is on the row already."""
    key = lookup_key((query or "").strip())
    if key is None or not customer_ids:
        return {}
    kind, value = key
    if kind == "national_id":
        masks = Customer.objects.filter(pk__in=customer_ids).values_list("pk", "national_id_masked")
        return dict(masks)
    if kind in (ContactKind.PHONE, ContactKind.EMAIL, "phone_tail"):
        points = _contacts_for(key).filter(customer_id__in=customer_ids).values_list("customer_id", "normalized")
        mask = norm.mask_email if kind == ContactKind.EMAIL else norm.mask_phone
        return {customer: mask(number) for customer, number in points}
    owned = Ownership.objects.filter(customer_id__in=customer_ids, vehicle__in=_vehicle_ids_for(key))
    return {customer: plate if kind.startswith("plate") else vin
            for customer, vin, plate in owned.order_by("start_date").values_list("customer_id", "vehicle__vin",
                                                                                 "vehicle__plate")}


SEARCHED_AS = {
    ContactKind.PHONE: gettext_lazy("a phone number"),
    "phone_tail": gettext_lazy("the last four digits of a phone number"),
    ContactKind.EMAIL: gettext_lazy("an e-mail address"),
    "vin": gettext_lazy("a VIN"),
    "vin_serial": gettext_lazy("the last six characters of a VIN"),
    "plate": gettext_lazy("a plate"),
    "plate_local": gettext_lazy("a plate without its province character"),
    "national_id": gettext_lazy("an ID number"),
    "pinyin": gettext_lazy("the beginning of a name, its pinyin or initials"),
    None: gettext_lazy("the beginning of a name, or a given name"),
}


def searched_as(query: str) -> str:
    """What the search box took the query for, to show beside the results."""
    query = (query or "").strip()
    key = lookup_key(query)
    return str(SEARCHED_AS[key[0] if key else "pinyin" if norm.pinyin_query(query) else None])


def _prefix(field: str, prefix: str) -> Q:
    """Values starting with `prefix`, also as a range on the field's index: with only the LIKE,
    PostgreSQL (any collation but "C") walks the index in order filtering every row, 4.5 s for
    names starting "王伟" at 3M customers; the range bounds the walk (30 ms)."""
    return Q(**{f"{field}__startswith": prefix, f"{field}__gte": prefix, f"{field}__lte": prefix + "\U0010ffff"})


GIVEN_NAME_LONGEST = 3
INITIALS_LONGEST = 4


def _ids_by_name(customers, query: str, limit: int) -> set[int]:
    """The first `limit` customers by each key a name is typed as: its beginning (王伟, John), its
    pinyin (Li Chao, lichao, li), its initials (lc), a Chinese given name alone (超).

    One query per key, each walking its own (key, name, id) index in order and stopping after
    `limit` rows: "wangwei" matches 5,800 of 3M customers, and one query OR-ing the keys read
    them all (360 ms) before sorting."""
    keys = [("name", _prefix("name", query))]
    if pinyin := norm.pinyin_query(query):
        keys.append(("name_pinyin", _prefix("name_pinyin", pinyin)))
        if len(pinyin) <= INITIALS_LONGEST:
            keys.append(("name_initials", Q(name_initials=pinyin)))
    elif len(query) <= GIVEN_NAME_LONGEST and norm.is_chinese(query):
        keys.append(("given_name", _prefix("given_name", query)))
    found: set[int] = set()
    for field, match in keys:
        found.update(customers.filter(match).order_by(field, "name", "pk").values_list("pk", flat=True)[:limit])
    return found


def lookup_rows(user, query: str, columns: tuple[str, ...]) -> list[dict]:
    """`lookup` as plain rows, for the API: the hot path of every incoming call.

    A phone or email looked up by a user who sees every customer (the call center, head office)
    runs one fixed SQL statement: building the same query through the ORM cost three times the
    database's own work (bench/lookup.py). Everyone else, and every other kind of query, goes
    through `lookup`, so scoped users keep the scoping layer; a test holds both paths equal.
    """
    key = lookup_key((query or "").strip())
    if (
        key
        and key[0] in (ContactKind.PHONE, ContactKind.EMAIL)
        and may(user, "customers.customer", "view")
        and sees_everything(user)
    ):
        return _contact_lookup_sql(key, columns)
    return list(lookup(user, query).values(*columns))


@functools.cache
def _contact_lookup_statement(columns: tuple[str, ...], vendor: str) -> str:
    """The lookup's SQL, written once per set of columns (and database vendor, for quoting)."""
    customer, contact = Customer._meta, ContactPoint._meta
    fields = ", ".join(connection.ops.quote_name(customer.get_field(c).column) for c in columns)
    return (
        f"SELECT {fields} FROM {customer.db_table} WHERE id IN "
        f"(SELECT customer_id FROM {contact.db_table} WHERE kind = %s AND normalized = %s) ORDER BY id LIMIT %s"
    )


def _contact_lookup_sql(key: tuple[str, str], columns: tuple[str, ...]) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(_contact_lookup_statement(columns, connection.vendor), [*key, LOOKUP_LIMIT])
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def _contacts_for(key: tuple[str, str]) -> QuerySet:
    """The contact points a phone number, its last digits or an e-mail address points at, each
    through its own index (the tail: an index on the expression)."""
    kind, value = key
    if kind == "phone_tail":
        tails = ContactPoint.objects.annotate(tail=Right("normalized", TAIL_DIGITS))
        return tails.filter(kind=ContactKind.PHONE, tail=value)
    return ContactPoint.objects.filter(kind=kind, normalized=value)


def _vehicle_ids_for(key: tuple[str, str]):
    """The vehicles a VIN, a plate or a part of either points at, each through its own index."""
    kind, value = key
    if kind in ("vin", "plate"):
        return Vehicle.objects.filter(**{kind: value}).values("pk")
    part = Right("vin", VIN_SERIAL) if kind == "vin_serial" else Substr("plate", 2)
    return Vehicle.objects.annotate(part=part).filter(part=value).values("pk")


def _customer_ids_for(key: tuple[str, str]):
    """The customers an identifier points at, each kind through its own index."""
    kind, value = key
    if kind in (ContactKind.PHONE, ContactKind.EMAIL, "phone_tail"):
        return _contacts_for(key).values("customer_id")
    if kind in ("vin", "plate"):
        return Ownership.objects.filter(**{f"vehicle__{kind}": value}).values("customer_id")
    if kind in ("vin_serial", "plate_local"):
        return Ownership.objects.filter(vehicle__in=_vehicle_ids_for(key)).values("customer_id")
    return Customer.objects.filter(national_id_hash=value).values("pk")


def customers_reached_at(kind: str, value: str, limit: int = 10) -> list[Customer]:
    """The customers (erased ones left out) whose contact point of `kind` is `value`, newest first: who a call,
    a message or an e-mail comes from. No user asks: the channel does, before anyone sees a thing, and what an
    agent is then shown of them is scoped as everywhere. An address that is no valid phone or e-mail is nobody's."""
    try:
        normalized = _normalized_contact(kind, value)
    except norm.InvalidValue:
        return []
    reached = ContactPoint.objects.filter(kind=kind, normalized=normalized).values("customer_id")
    return list(Customer.objects.filter(pk__in=reached, erased_at__isnull=True).order_by("-updated_at", "-pk")[:limit])


def lookup_key(query: str) -> tuple[str, str] | None:
    """What kind of identifier the query is and its canonical form; None means a name."""
    if "@" in query:
        email = _or_none(norm.normalize_email, query)
        return (ContactKind.EMAIL, email) if email else None
    compact = query.replace(" ", "").replace("-", "").upper()
    if len(compact) == 17 and compact.isascii() and compact.isalnum() and not compact.isdigit():
        return "vin", compact
    if len(compact) == 18 and compact[:17].isdigit():
        number = _or_none(norm.check_national_id, compact)
        if number:
            return "national_id", norm.hash_national_id(number, settings.GUANXI_PII_KEY)
    if norm.looks_like_plate(query):
        return "plate", norm.normalize_plate(query)
    if len(compact) == TAIL_DIGITS and compact.isdigit():
        return "phone_tail", compact
    if plate := norm.local_plate(query):
        return "plate_local", plate
    if len(compact) == VIN_SERIAL and compact.isascii() and compact.isalnum() and not compact.isalpha():
        return "vin_serial", compact
    if norm.looks_like_phone(query):
        phone = _or_none(norm.phone_search_key, query, settings.GUANXI_DEFAULT_REGION)
        return (ContactKind.PHONE, phone) if phone else None
    return None


def _or_none(func, *args):
    try:
        return func(*args)
    except norm.InvalidValue:
        return None
