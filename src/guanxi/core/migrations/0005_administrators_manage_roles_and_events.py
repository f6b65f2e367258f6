"""Administrators edit roles (groups) and look after the outbox in the admin."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

ALL = ("view", "add", "change", "delete")


def seed_permissions(apps, schema_editor):
    seed_role_permissions(apps, "auth", {"admin": {"group": ALL}})
    seed_role_permissions(apps, "core", {"admin": {"domainevent": ("view", "change")}})


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0004_domain_events_and_notifications"),
    ]

    operations = [migrations.RunPython(seed_permissions, migrations.RunPython.noop)]
