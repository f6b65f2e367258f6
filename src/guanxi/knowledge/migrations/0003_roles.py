"""The knowledge base's roles: administrators and call-center supervisors write, review, publish and
archive; agents and service advisors read and propose drafts (a service advisor's drafts stay at
the station until published); everyone else who works with customers reads the published articles."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

READ = {"article": ("view",), "category": ("view",)}
PROPOSE = {"article": ("view", "add", "change"), "category": ("view",)}
GRANTS = {
    "admin": {"article": ("view", "add", "change", "delete", "review"),
              "category": ("view", "add", "change", "delete")},
    "supervisor": {"article": ("view", "add", "change", "review"), "category": ("view", "add", "change")},
    "agent": PROPOSE,
    "service_advisor": PROPOSE,
    "hq_sales": READ,
    "hq_marketing": READ,
    "analyst": READ,
    "dealer_manager": READ,
    "dealer_sales": READ,
}


def seed(apps, schema_editor):
    seed_role_permissions(apps, "knowledge", GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ("knowledge", "0002_search_index"),
        ("core", "0003_memberships"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
