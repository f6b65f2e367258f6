"""Who books: call-center agents for any station (they take the customers' calls), service
advisors and dealer managers (a dealer with a service department) at their own station, where
they also keep the bays and the technicians' shifts; head office's supervisors and analysts read."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

STATION = {"bay": ("view", "add", "change"), "technician": ("view", "add", "change"),
           "booking": ("view", "add", "change")}
GRANTS = {
    "admin": STATION,
    "service_advisor": STATION,
    "dealer_manager": STATION,
    "agent": {"bay": ("view",), "technician": ("view",), "booking": ("view", "add", "change")},
    "supervisor": {"bay": ("view",), "technician": ("view",), "booking": ("view",)},
    "analyst": {"booking": ("view",)},
}


def seed(apps, schema_editor):
    seed_role_permissions(apps, "service", GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ("service", "0007_bookings"),
        ("core", "0003_memberships"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
