"""Head office sets the regions' monthly targets; a region's managers read their own."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

GRANTS = {
    "admin": {"salestarget": ("view", "add", "change")},
    "hq_sales": {"salestarget": ("view", "add", "change")},
    "analyst": {"salestarget": ("view",)},
    "dealer_manager": {"salestarget": ("view",)},
}


def seed(apps, schema_editor):
    seed_role_permissions(apps, "sales", GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0009_sales_targets"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
