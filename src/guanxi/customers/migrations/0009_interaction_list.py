"""The interaction list (newest first, indexed) and its export permission for the roles that report."""

from django.conf import settings
from django.db import migrations, models

from guanxi.core.roles import seed_role_permissions

EXPORTERS = ("admin", "hq_sales", "hq_marketing", "analyst", "supervisor", "dealer_manager")


def seed_permissions(apps, schema_editor):
    seed_role_permissions(apps, "customers", {role: {"interaction": ("export",)} for role in EXPORTERS})


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0007_event_retry_backoff'),
        ('customers', '0008_plausible_times'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='interaction',
            options={'ordering': ['-occurred_at', '-id'], 'permissions': [('export_interaction', 'Can export interaction lists')], 'verbose_name': 'interaction', 'verbose_name_plural': 'interactions'},
        ),
        migrations.AddIndex(
            model_name='interaction',
            index=models.Index(fields=['-occurred_at'], name='interaction_recent'),
        ),
        migrations.RunPython(seed_permissions, migrations.RunPython.noop),
    ]
