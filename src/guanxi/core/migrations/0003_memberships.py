"""Roles become Django groups with permissions, and each user's one (org unit, role) a membership."""

import django.db.models.deletion
import guanxi.core.models
from guanxi.core.roles import seed_role_permissions
from django.conf import settings
from django.db import migrations, models


ROLES = ["admin", "hq_sales", "hq_marketing", "analyst", "agent", "supervisor", "dealer_manager", "dealer_sales",
         "service_advisor"]
# The org tree: administrators manage it, everyone else reads it.
GRANTS = {role: {"orgunit": ("view",)} for role in ROLES}
GRANTS["admin"] = {"orgunit": ("view", "add", "change", "delete"), "membership": ("view", "add", "change", "delete"),
                   "user": ("view", "add", "change", "delete")}


def seed_roles_and_move_users_into_memberships(apps, schema_editor):
    seed_role_permissions(apps, "core", GRANTS)
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("core", "User")
    Membership = apps.get_model("core", "Membership")
    groups = {group.name: group for group in Group.objects.all()}
    Membership.objects.bulk_create(
        Membership(user_id=user_id, org_unit_id=unit_id, role=groups[role])
        for user_id, unit_id, role in User.objects.exclude(role="").filter(org_unit__isnull=False)
        .values_list("pk", "org_unit_id", "role")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('core', '0002_user_language_follows_browser'),
    ]

    operations = [
        migrations.AlterModelManagers(
            name='user',
            managers=[
                ('objects', guanxi.core.models.GuanxiUserManager()),
            ],
        ),
        migrations.CreateModel(
            name='Membership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('org_unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='memberships', to='core.orgunit', verbose_name='org unit')),
                ('role', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='memberships', to='auth.group', verbose_name='role')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'membership',
                'verbose_name_plural': 'memberships',
                'constraints': [models.UniqueConstraint(fields=('user', 'org_unit', 'role'), name='one_membership_per_role')],
            },
        ),
        migrations.RunPython(seed_roles_and_move_users_into_memberships, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='user',
            name='org_unit',
        ),
        migrations.RemoveField(
            model_name='user',
            name='role',
        ),
    ]
