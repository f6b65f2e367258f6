"""Activities (tasks with a due time, urgency and importance) for every role that works with
customers; analysts read them, administrators may also delete them."""

import django.db.models.deletion
import guanxi.core.validators
import guanxi.customers.models
from django.conf import settings
from django.db import migrations, models

from guanxi.core.roles import seed_role_permissions

WORK = ("view", "add", "change")
GRANTS = {
    **{role: {"activity": WORK} for role in ("hq_sales", "hq_marketing", "agent", "supervisor", "dealer_manager",
                                             "dealer_sales", "service_advisor")},
    "admin": {"activity": (*WORK, "delete")},
    "analyst": {"activity": ("view",)},
}


def seed_permissions(apps, schema_editor):
    seed_role_permissions(apps, "customers", GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0010_role_sign_in_policy'),
        ('customers', '0014_identity_permission'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Activity',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('call', 'Call'), ('visit', 'Visit'), ('message', 'Message (SMS / WeChat)'), ('email', 'Email'), ('meeting', 'Meeting / test drive'), ('todo', 'To-do')], default='call', max_length=10, verbose_name='kind')),
                ('summary', models.CharField(max_length=200, validators=[guanxi.core.validators.not_blank, guanxi.core.validators.printable_line], verbose_name='summary')),
                ('note', models.TextField(blank=True, validators=[guanxi.core.validators.printable_text], verbose_name='note')),
                ('due_at', models.DateTimeField(validators=[guanxi.customers.models.plausible_moment], verbose_name='due')),
                ('important', models.BooleanField(default=False, verbose_name='important')),
                ('urgent', models.BooleanField(default=False, verbose_name='urgent')),
                ('state', models.CharField(choices=[('open', 'Open'), ('done', 'Done'), ('cancelled', 'Cancelled')], default='open', max_length=10, verbose_name='state')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed')),
                ('reminded_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('link_id', models.PositiveBigIntegerField(blank=True, null=True)),
                ('assignee', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='activities', to=settings.AUTH_USER_MODEL, verbose_name='assigned to')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('customer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='activities', to='customers.customer', verbose_name='customer')),
                ('link_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='contenttypes.contenttype')),
                ('org_unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='core.orgunit', verbose_name='org unit')),
            ],
            options={
                'verbose_name': 'activity',
                'verbose_name_plural': 'activities',
                'ordering': ['due_at', 'id'],
                'indexes': [models.Index(fields=['assignee', 'state', 'due_at'], name='activity_my_day'), models.Index(fields=['customer', 'state', 'due_at'], name='activity_open_items'), models.Index(condition=models.Q(('reminded_at__isnull', True), ('state', 'open')), fields=['due_at'], name='activity_reminder_due')],
            },
        ),
        migrations.RunPython(seed_permissions, migrations.RunPython.noop),
    ]
