"""Who sees the retention list and who may export it: every built-in role that works with customers
sees scores (of the customers it may see); the roles that plan campaigns and report export them."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

VIEWERS = ("admin", "hq_sales", "hq_marketing", "analyst", "agent", "supervisor", "dealer_manager", "dealer_sales",
           "service_advisor")
EXPORTERS = ("admin", "hq_marketing", "analyst", "supervisor", "dealer_manager")


def seed_permissions(apps, schema_editor):
    seed_role_permissions(apps, "analytics", {
        role: {"score": ("view", "export") if role in EXPORTERS else ("view",)} for role in VIEWERS
    })


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0001_initial"),
        ("core", "0003_memberships"),
    ]

    operations = [
        migrations.RunPython(seed_permissions, migrations.RunPython.noop),
    ]
