"""A working day for every demo login: a few activities on customers the user may see, one
overdue, some due today, some later, so that "My day" and the home page have something to show.

Planned through the same service as in the UI (customers.activities.schedule_activity), relative
to the day the demo runs; a user who still has open activities from today on gets no more.
"""

import datetime as dt
import random

from django.utils import timezone

from guanxi.core.models import User
from guanxi.core.roles import Role
from guanxi.core.scoping import may
from guanxi.customers import activities
from guanxi.customers.models import Activity, ActivityKind, ActivityState, Customer

# (kind, summary, days from today, hour, urgent, important): a dealer's or call center's day;
# the sales steps are important (VIP and gold customers' activities are important anyway)
DAY = (
    (ActivityKind.CALL, "回访：新车交付满意度", -1, 16, False, False),
    (ActivityKind.CALL, "确认周六试驾时间", 0, 10, False, True),
    (ActivityKind.MESSAGE, "发送保养预约提醒", 0, 15, False, False),
    (ActivityKind.EMAIL, "发送报价单与金融方案", 1, 11, True, True),
    (ActivityKind.VISIT, "上门交车前检查", 3, 14, False, True),
    (ActivityKind.CALL, "续保到期提醒", 12, 10, False, False),
)
# a service advisor's: maintenance, warranty and pick-up
SERVICE_DAY = (
    (ActivityKind.CALL, "回访：上周保养满意度", -1, 17, False, False),
    (ActivityKind.CALL, "通知车主取车", 0, 11, True, True),
    (ActivityKind.MESSAGE, "发送 10,000 公里保养提醒", 0, 16, False, False),
    (ActivityKind.TODO, "提交质保索赔材料", 1, 10, True, True),
    (ActivityKind.CALL, "预约下次保养", 4, 9, False, False),
    (ActivityKind.CALL, "延保到期提醒", 14, 10, False, True),
)


def plan_demo_days(usernames, seed: int = 7) -> int:
    """Plans a day for each of these users who may schedule activities; returns how many were made."""
    rng = random.Random(seed)
    today = timezone.localdate()
    made = 0
    for user in User.objects.filter(username__in=usernames).order_by("username"):
        if not may(user, Activity.permission_key, "add") or _has_a_day_ahead(user, today):
            continue
        customers = list(Customer.objects.restrict(user, "view").filter(erased_at__isnull=True)
                         .order_by("-pk").values_list("pk", flat=True)[:200])
        if not customers:
            continue
        day = SERVICE_DAY if any(row[4] == Role.SERVICE_ADVISOR for row in user.membership_rows) else DAY
        for kind, summary, days, hour, urgent, important in day:
            due = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour)))
            planned = {"kind": kind, "summary": summary, "due_at": due, "urgent": urgent,
                       "important": important or None}  # None: the customer's tier decides
            activities.schedule_activity(user, planned, customer_pk=rng.choice(customers))
            made += 1
    return made


def _has_a_day_ahead(user, today) -> bool:
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return Activity.objects.filter(assignee=user, state=ActivityState.OPEN, due_at__gte=start).exists()
