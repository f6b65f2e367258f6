"""Exporting lists becomes a named permission of the roles that plan and report."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

EXPORTERS = ("admin", "hq_sales", "hq_marketing", "analyst", "supervisor", "dealer_manager")


def seed_permissions(apps, schema_editor):
    seed_role_permissions(apps, "customers", {
        role: {"customer": ("export",), "vehicle": ("export",)} for role in EXPORTERS
    })


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0005_currency_from_settings'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='customer',
            options={'permissions': [('erase_customer', "Can erase a customer's personal data (PIPL / GDPR)"), ('export_customer', 'Can export customer lists')], 'verbose_name': 'customer', 'verbose_name_plural': 'customers'},
        ),
        migrations.AlterModelOptions(
            name='vehicle',
            options={'permissions': [('export_vehicle', 'Can export vehicle lists')], 'verbose_name': 'vehicle', 'verbose_name_plural': 'vehicles'},
        ),
        migrations.RunPython(seed_permissions, migrations.RunPython.noop),
    ]
