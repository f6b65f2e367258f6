"""The staffing tools become a permission of the roles that had them in code."""

from django.db import migrations

from guanxi.core.roles import seed_role_permissions


def seed_permissions(apps, schema_editor):
    seed_role_permissions(apps, "contact_center", {
        role: {"staffing": ("view",)} for role in ("admin", "analyst", "supervisor")
    })


class Migration(migrations.Migration):

    dependencies = [
        ('contact_center', '0002_unroutable'),
        ('core', '0003_memberships'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='agent',
            options={'permissions': [('view_staffing', 'Can plan staffing and run the simulator')], 'verbose_name': 'agent', 'verbose_name_plural': 'agents'},
        ),
        migrations.RunPython(seed_permissions, migrations.RunPython.noop),
    ]
