"""Activities: scheduling, closing, the user's day ranked by urgency × importance, the open items
of a customer, and reminders.

"My day" follows the seeds' advice for sales and service staff: do what is urgent and important
first, then what is important, then what is only urgent, then the rest (Eisenhower's quadrants).
An activity is urgent when marked so or due by the end of the user's today; important when
marked so, which a new activity is by default for the brand's VIP and gold customers.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.models import SYSTEM_USERNAME, Notification, User
from guanxi.core.notify import TITLE_LENGTH
from guanxi.core.outbox import emit
from guanxi.core.scoping import ensure_in_scope, get_restricted, require
from guanxi.customers.models import Activity, ActivityState, Tier
from guanxi.customers.services import get_customer, refuse_if_erased

IMPORTANT_TIERS = (Tier.VIP, Tier.GOLD)
SHOWN_PER_QUADRANT = 15  # what one can take in at a glance; the rest is counted ("and 40 more")
SORTED_AT_MOST = 2_000
OPEN_ITEMS_SHOWN = 50
REMIND_BEFORE = dt.timedelta(minutes=15)
FIELDS = ("kind", "summary", "note", "due_at", "important", "urgent")


def schedule_activity(user, data: dict, customer_pk=None, link=None) -> Activity:
    """A new open activity, by default the user's own; about a customer the user may see. The
    assignee must be able to see it too (else they would be handed what they cannot open)."""
    require(user, Activity.permission_key, "add")
    customer = get_customer(user, customer_pk, "view") if customer_pk else None
    if customer:
        refuse_if_erased(customer)
    given = {field: data[field] for field in FIELDS if data.get(field) is not None}
    activity = Activity(
        customer=customer, assignee=data.get("assignee") or user, created_by=user, org_unit_id=user.primary_unit_id,
        **{"important": customer is not None and customer.tier in IMPORTANT_TIERS, **given},
    )
    if link is not None:
        activity.link_type, activity.link_id = ContentType.objects.get_for_model(link), link.pk
    activity.full_clean(exclude=["customer", "assignee", "org_unit", "link_type", "created_by"])
    with transaction.atomic():
        activity.save()
        ensure_in_scope(user, activity, "view", "customer")
        _ensure_assignee_sees(activity)
        emit("customers.activity.scheduled", activity, {"assignee_id": activity.assignee_id}, actor=user)
    return activity


def colleagues(user):
    """Who may be handed an activity: the user and the active people of the user's org units."""
    units = {row[0] for row in user.membership_rows}
    people = Q(pk=user.pk) | Q(memberships__org_unit_id__in=units)
    return User.objects.filter(people, is_active=True).exclude(username=SYSTEM_USERNAME).distinct().order_by("username")


def colleague(user, pk) -> User:
    """The colleague with this id; any other id, known or not, gets the same answer."""
    found = colleagues(user).filter(pk=pk).first()
    if found is None:
        raise ValidationError({"assignee_id": _("Not one of the people you work with.")})
    return found


def _ensure_assignee_sees(activity: Activity) -> None:
    if not Activity.objects.restrict(activity.assignee, "view").filter(pk=activity.pk).exists():
        raise ValidationError({"assignee": _("%(user)s may not see this customer.") % {"user": activity.assignee}})


def update_activity(user, pk, data: dict) -> Activity:
    """Reschedules or rewrites an open activity, or hands it to someone else."""
    activity = get_restricted(user, Activity, pk, "change")
    _refuse_if_closed(activity)
    for field in (*FIELDS, "assignee"):
        if data.get(field) is not None:
            setattr(activity, field, data[field])
    activity.full_clean(exclude=["customer", "assignee", "org_unit", "link_type", "created_by"])
    if "due_at" in data:
        activity.reminded_at = None  # a new time, a new reminder
    with transaction.atomic():
        activity.save()
        ensure_in_scope(user, activity, "change", "assignee")
        _ensure_assignee_sees(activity)
    return activity


def close_activity(user, pk, state: str = ActivityState.DONE) -> Activity:
    """Marks an open activity done or cancelled, once."""
    if state not in (ActivityState.DONE, ActivityState.CANCELLED):
        raise ValidationError({"state": _("An activity is closed as done or cancelled.")})
    activity = get_restricted(user, Activity, pk, "change")
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        _refuse_if_closed(activity)
        activity.state, activity.closed_at = state, timezone.now()
        activity.save(update_fields=["state", "closed_at"])
        emit(f"customers.activity.{state}", activity, {"assignee_id": activity.assignee_id}, actor=user)
    return activity


def _refuse_if_closed(activity: Activity) -> None:
    if not activity.is_open:
        raise ValidationError({"state": _("This activity is %(state)s already.")
                               % {"state": activity.get_state_display().lower()}})


@dataclass
class Quadrant:
    key: str
    title: str
    hint: str
    activities: list
    more: int = 0


QUADRANTS = (
    ("do_first", gettext_lazy("Urgent and important"), gettext_lazy("Do these first")),
    ("schedule", gettext_lazy("Important, not urgent"), gettext_lazy("Plan time for these")),
    ("quick", gettext_lazy("Urgent, less important"), gettext_lazy("Quick ones, or hand them on")),
    ("later", gettext_lazy("Neither"), gettext_lazy("When the rest is done")),
)


def end_of_today() -> dt.datetime:
    """Midnight at the end of the current time zone's today (the user's, on a page)."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min))


def my_day(user) -> list[Quadrant]:
    """The user's open activities in the four quadrants, each soonest due first: the first
    SHOWN_PER_QUADRANT of each and how many more. Sorted from their flags and due times alone;
    only the activities shown are read whole (a busy salesperson has hundreds open)."""
    today_ends = end_of_today()
    mine = Activity.objects.restrict(user, "view").filter(assignee=user, state=ActivityState.OPEN)
    sorted_into = {key: [] for key, _title, _hint in QUADRANTS}
    for pk, due_at, important, urgent in mine.order_by("due_at", "pk").values_list(
            "pk", "due_at", "important", "urgent")[:SORTED_AT_MOST]:
        urgent = urgent or due_at < today_ends
        quadrant = ("do_first" if urgent else "schedule") if important else ("quick" if urgent else "later")
        sorted_into[quadrant].append(pk)
    shown = Activity.objects.select_related("customer").in_bulk(
        [pk for pks in sorted_into.values() for pk in pks[:SHOWN_PER_QUADRANT]])
    return [
        Quadrant(key, title, hint, [shown[pk] for pk in sorted_into[key][:SHOWN_PER_QUADRANT]],
                 max(0, len(sorted_into[key]) - SHOWN_PER_QUADRANT))
        for key, title, hint in QUADRANTS
    ]


def my_day_widget(user) -> dict:
    """The home page's card: how many of the user's activities are overdue, due today, later."""
    now, today_ends = timezone.now(), end_of_today()
    mine = Activity.objects.restrict(user, "view").filter(assignee=user, state=ActivityState.OPEN)
    counts = mine.aggregate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        today=Count("pk", filter=Q(due_at__gte=now, due_at__lt=today_ends)),
        later=Count("pk", filter=Q(due_at__gte=today_ends)),
    )
    return {"counts": counts, "next": list(mine.filter(due_at__gte=now).select_related("customer")[:5])}


def open_items(user, customer) -> list[Activity]:
    """The customer's open activities the user may see, soonest due first (the 360 page)."""
    return list(
        Activity.objects.restrict(user, "view")
        .filter(customer=customer, state=ActivityState.OPEN)
        .select_related("assignee")
        .order_by("due_at", "pk")[:OPEN_ITEMS_SHOWN]
    )


def remind_due(now: dt.datetime | None = None) -> int:
    """Tells each assignee, once, of an open activity due within REMIND_BEFORE (or overdue and
    never reminded): a notification linking to it. Returns how many were sent."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Activity.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=ActivityState.OPEN, reminded_at__isnull=True, due_at__lte=now + REMIND_BEFORE,
                    assignee__is_active=True)
            .select_related("assignee", "customer")[:1000]
        )
        Notification.objects.bulk_create(
            Notification(user=activity.assignee, title=_reminder_title(activity), link=activity.get_absolute_url())
            for activity in due
        )
        Activity.objects.filter(pk__in=[activity.pk for activity in due]).update(reminded_at=now)
    return len(due)


def _reminder_title(activity: Activity) -> str:
    """In the assignee's language and time zone: "09:30 Call: confirm the test drive · 张伟"."""
    person = activity.assignee
    zone = zoneinfo.ZoneInfo(person.time_zone) if person.time_zone else timezone.get_default_timezone()
    about = f" · {activity.customer}" if activity.customer_id else ""
    with translation.override(person.language or settings.LANGUAGE_CODE):
        kind = activity.get_kind_display()
    due = timezone.localtime(activity.due_at, zone).strftime("%m-%d %H:%M")
    return f"{due} {kind}: {activity.summary}{about}"[:TITLE_LENGTH]
