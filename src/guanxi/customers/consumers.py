"""What the customers app does when domain events arrive (registered in apps.py)."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from guanxi.core.models import Notification, OrgUnit, User, administrators
from guanxi.core.notify import TITLE_LENGTH
from guanxi.customers.models import Customer, CustomerRelationship, GuardedLookup, RelationshipKind


def notify_unit_of_new_customer(event) -> None:
    """A customer placed with a unit by someone outside it (head office assigning, the call center
    creating for a dealer): the unit's people who may see customers hear of it, each in their own
    language. A SERVICE relationship comes with a workshop visit: no news; a LEAD relationship comes
    with the lead, whose own news (sales.consumers) links to the lead and says when to accept it."""
    if event.payload.get("kind") in (RelationshipKind.SERVICE, RelationshipKind.LEAD):
        return
    unit_id = event.payload["org_unit_id"]
    still_related = CustomerRelationship.objects.filter(
        customer_id=event.object_id, org_unit_id=unit_id, kind=event.payload["kind"], until__isnull=True
    )
    if not still_related.exists():
        return  # moved on before the news went out: the unit no longer sees the customer
    people = User.objects.filter(
        is_active=True,
        memberships__org_unit_id=unit_id,
        memberships__role__permissions__content_type__app_label="customers",
        memberships__role__permissions__codename="view_customer",
    ).distinct()
    if event.actor_id is not None:
        if User.objects.filter(pk=event.actor_id, memberships__org_unit_id=unit_id).exists():
            return  # the unit's own people placed it: they know
        people = people.exclude(pk=event.actor_id)
    customer = Customer.objects.filter(pk=event.object_id).only("name").first()
    unit = OrgUnit.objects.filter(pk=unit_id).only("name").first()
    if customer is None or unit is None:
        return
    kind = RelationshipKind(event.payload["kind"])
    link = reverse("customers:detail", args=[customer.pk])
    notifications = []
    for person in people:
        if not Customer.objects.restrict(person).filter(pk=customer.pk).exists():
            continue
        with translation.override(person.language or settings.LANGUAGE_CODE):
            title = _("%(kind)s for %(unit)s: %(customer)s") % {"kind": kind.label, "unit": unit, "customer": customer}
        notifications.append(Notification(user=person, event=event, title=title[:TITLE_LENGTH], link=link))
    Notification.objects.bulk_create(notifications)


def notify_administrators_of_lookup_burst(event) -> None:
    """Someone reached the hour's limit of searches by ID number, or of vehicle registrations refused because the
    VIN is on record elsewhere (services.refuse_past_the_limit): every administrator hears of it, in their own
    language, with a link to that user's look-ups of the kind."""
    user = User.objects.filter(pk=event.payload["user_id"]).first()
    if user is None:
        return
    kind = event.payload.get("kind", GuardedLookup.Kind.NATIONAL_ID)
    count = event.payload.get("count", event.payload.get("searches"))  # "searches": events written before VINs
    link = reverse("admin:customers_guardedlookup_changelist") + f"?kind__exact={kind}&user__id__exact={user.pk}"
    for admin in administrators():
        with translation.override(admin.language or settings.LANGUAGE_CODE):
            if kind == GuardedLookup.Kind.NATIONAL_ID:
                title = _("%(user)s searched by ID number %(count)d times within an hour and was stopped")
            else:
                title = _("%(user)s tried to register %(count)d vehicles on record elsewhere within an hour and "
                          "was stopped")
            title %= {"user": user.get_username(), "count": count}
        Notification.objects.get_or_create(event=event, user=admin, defaults={"title": title[:TITLE_LENGTH],
                                                                             "link": link})


def notify_administrators_of_possible_duplicate(event) -> None:
    """Two customers share an ID number (services._flag_shared_national_id): administrators, who
    see every customer, hear of it with a link to the newer record."""
    customer = Customer.objects.filter(pk=event.object_id).only("name").first()
    if customer is None:
        return
    link = reverse("customers:detail", args=[customer.pk])
    for admin in administrators():
        with translation.override(admin.language or settings.LANGUAGE_CODE):
            title = _("%(name)s has the ID number of %(count)d other customer(s): probably the same person") % {
                "name": customer.name, "count": len(event.payload["same_national_id_as"])}
        Notification.objects.get_or_create(event=event, user=admin, defaults={"title": title[:TITLE_LENGTH],
                                                                             "link": link})
