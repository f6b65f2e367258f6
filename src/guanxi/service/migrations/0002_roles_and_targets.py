"""The roles' ticket permissions and head office's first service-level targets.

Targets are working minutes of the responsible unit (a working day of 08:30-18:00 is 570), a
VIP's half of the standard time, gold's three quarters; roadside assistance counts around the
clock. Head office edits them on the SLA targets page."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

TICKET_ALL = ("view", "add", "change", "assign", "export")
GRANTS = {
    "admin": {"ticket": TICKET_ALL, "slatarget": ("view", "add", "change"),
              "supporthours": ("view", "add", "change")},
    "hq_sales": {"ticket": ("view",)},
    "hq_marketing": {"ticket": ("view", "export")},
    "analyst": {"ticket": ("view", "export")},
    "agent": {"ticket": ("view", "add", "change")},
    "supervisor": {"ticket": TICKET_ALL, "slatarget": ("view", "change"), "supporthours": ("view",)},
    "dealer_manager": {"ticket": TICKET_ALL, "supporthours": ("view", "add", "change")},
    "dealer_sales": {"ticket": ("view", "add")},
    "service_advisor": {"ticket": ("view", "add", "change"), "supporthours": ("view",)},
}
DAY = 570
BASE = {  # kind: (first response, resolution, around the clock)
    "complaint": (60, 2 * DAY, False),
    "repair": (120, 3 * DAY, False),
    "maintenance": (240, 2 * DAY, False),
    "consultation": (120, DAY, False),
    "roadside": (15, 240, True),
    "suggestion": (DAY, 5 * DAY, False),
}
TIER_SHARE = {"vip": 0.5, "gold": 0.75, "silver": 1.0, "standard": 1.0}


def seed(apps, schema_editor):
    seed_role_permissions(apps, "service", GRANTS)
    SlaTarget = apps.get_model("service", "SlaTarget")
    for kind, (response, resolution, around_the_clock) in BASE.items():
        for tier, share in TIER_SHARE.items():
            SlaTarget.objects.get_or_create(kind=kind, tier=tier, defaults={
                "first_response_minutes": max(1, round(response * share)),
                "resolution_minutes": max(1, round(resolution * share)), "around_the_clock": around_the_clock})


class Migration(migrations.Migration):

    dependencies = [
        ("service", "0001_initial"),
        ("core", "0003_memberships"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
