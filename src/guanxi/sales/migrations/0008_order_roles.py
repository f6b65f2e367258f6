"""Who orders and delivers (dealers), and who follows orders (head office)."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

ALL = ("view", "add", "change", "export")
GRANTS = {
    "admin": {"order": ALL},
    "hq_sales": {"order": ALL},
    "hq_marketing": {"order": ("view", "export")},
    "analyst": {"order": ("view", "export")},
    "supervisor": {"order": ("view",)},
    "dealer_manager": {"order": ALL},
    "dealer_sales": {"order": ("view", "add", "change")},
}


def seed(apps, schema_editor):
    seed_role_permissions(apps, "sales", GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0007_orders"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
