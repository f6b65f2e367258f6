"""Seeing the full birth date and the ID number's mask becomes a permission of the roles that
confirm a caller's identity with them (customers.identity explains why the others may not)."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions

IDENTIFIERS = ("admin", "agent", "supervisor")


def seed_permissions(apps, schema_editor):
    seed_role_permissions(apps, "customers", {role: {"customer": ("identify",)} for role in IDENTIFIERS})


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0013_customer_field_labels'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='customer',
            options={'permissions': [('erase_customer', "Can erase a customer's personal data (PIPL / GDPR)"), ('export_customer', 'Can export customer lists'), ('identify_customer', "Can see the full birth date and the ID number's last characters (to confirm a caller)")], 'verbose_name': 'customer', 'verbose_name_plural': 'customers'},
        ),
        migrations.RunPython(seed_permissions, migrations.RunPython.noop),
    ]
