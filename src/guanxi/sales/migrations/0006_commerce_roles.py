"""Who keeps the catalog (head office) and who quotes (dealers; managers approve discounts above the
threshold); everyone who sells reads the catalog."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

CATALOG = ("view", "add", "change")
QUOTING = ("view", "add", "change")
GRANTS = {
    "admin": {"product": CATALOG, "quote": (*QUOTING, "approve")},
    "hq_sales": {"product": CATALOG, "quote": (*QUOTING, "approve")},
    "hq_marketing": {"product": ("view",), "quote": ("view",)},
    "analyst": {"product": ("view",), "quote": ("view",)},
    "agent": {"product": ("view",)},
    "supervisor": {"product": ("view",), "quote": ("view",)},
    "dealer_manager": {"product": ("view",), "quote": (*QUOTING, "approve")},
    "dealer_sales": {"product": ("view",), "quote": QUOTING},
}


def seed(apps, schema_editor):
    seed_role_permissions(apps, "sales", GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0005_commerce"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
