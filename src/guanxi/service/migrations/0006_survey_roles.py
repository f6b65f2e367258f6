"""Who asks and reads satisfaction surveys: the call center records answers (it makes the
follow-up calls), the units surveyed and head office read their scores."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

GRANTS = {
    "admin": {"survey": ("view", "change")},
    "agent": {"survey": ("view", "change")},
    "supervisor": {"survey": ("view", "change")},
    "service_advisor": {"survey": ("view",)},
    "dealer_manager": {"survey": ("view",)},
    "hq_marketing": {"survey": ("view",)},
    "analyst": {"survey": ("view",)},
}


def seed(apps, schema_editor):
    seed_role_permissions(apps, "service", GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ("service", "0005_surveys"),
        ("core", "0003_memberships"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
