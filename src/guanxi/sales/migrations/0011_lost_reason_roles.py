"""Head office keeps the lost reasons on a page of its own (they were in the Django admin only)."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

GRANTS = {"admin": {"lostreason": ("view", "add", "change")}, "hq_sales": {"lostreason": ("view", "add", "change")}}


def seed(apps, schema_editor):
    seed_role_permissions(apps, "sales", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("sales", "0010_target_roles")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
