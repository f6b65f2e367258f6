"""Telling people of a domain event about a record: one notification each, in their own language,
linking to the record, and only to those who may see it. The apps' event consumers say who hears
of what; this is the part they share."""

from django.conf import settings
from django.db.models import Q
from django.utils import translation

from guanxi.core.models import Membership, Notification, User

TITLE_LENGTH = Notification._meta.get_field("title").max_length


def holders(app_label: str, codename: str, where: Q | None = None):
    """Active users holding the permission through a membership that also meets `where` (a Q on
    the membership: `Q(org_unit_id=5)`), one join: the role that grants it is held at that unit,
    not just any role somewhere plus any membership there."""
    membership = Membership.objects.filter(role__permissions__content_type__app_label=app_label,
                                           role__permissions__codename=codename)
    if where is not None:
        membership = membership.filter(where)
    return User.objects.filter(is_active=True, pk__in=membership.values("user_id"))


def notify(event, about, people, title_for) -> None:
    """Tells each of `people` who may see `about` of the event (not the one who caused it);
    `title_for(about)` is worded in each person's language."""
    if about is None:
        return
    made = []
    for person in people.exclude(pk=event.actor_id).distinct():
        if not type(about).objects.restrict(person).filter(pk=about.pk).exists():
            continue
        with translation.override(person.language or settings.LANGUAGE_CODE):
            title = title_for(about)
        made.append(Notification(user=person, event=event, title=title[:TITLE_LENGTH], link=about.get_absolute_url()))
    Notification.objects.bulk_create(made, ignore_conflicts=True)
