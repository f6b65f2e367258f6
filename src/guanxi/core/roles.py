"""Roles are data: a role is a Django `Group`, what it may do its `Permission`s, edited by an
administrator. A user holds memberships (org unit + role); what they may do is the union.

This module only names the roles Guanxi ships with (seeded by each app's data migration, so a
car maker can add or change roles without a release) and gives their labels in both languages.
A permission is named as Django names it: "customers.view_customer", "customers.erase_customer",
"contact_center.view_staffing".
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The built-in roles; the group of each is named by its value."""

    ADMIN = "admin", _("Administrator")
    HQ_SALES = "hq_sales", _("HQ sales")
    HQ_MARKETING = "hq_marketing", _("HQ marketing")
    ANALYST = "analyst", _("Analyst")
    AGENT = "agent", _("Call-center agent")
    SUPERVISOR = "supervisor", _("Call-center supervisor")
    DEALER_MANAGER = "dealer_manager", _("Dealer manager")
    DEALER_SALES = "dealer_sales", _("Dealer sales")
    SERVICE_ADVISOR = "service_advisor", _("Service advisor")


def role_label(group_name: str) -> str:
    """A built-in role's translated label; a role an administrator made is shown by its name."""
    return str(Role(group_name).label) if group_name in Role.values else group_name


def permission_name(model_key: str, action: str) -> str:
    """ "customers.customer", "view" -> "customers.view_customer": Django's permission name."""
    app_label, model_name = model_key.split(".")
    return f"{app_label}.{action}_{model_name}"


def seed_role_permissions(apps, app_label: str, grants: dict[str, dict[str, tuple[str, ...]]]) -> None:
    """For an app's data migration: give the built-in roles the app's permissions.

    `grants` is role -> model name -> actions ({"dealer_sales": {"customer": ("view", "add")}});
    an action is a permission codename's prefix. The app's permissions are created first (Django
    makes them only after all migrations ran), the roles' groups when missing.
    """
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    app_config.models_module = True  # historical app configs have none, and create_permissions skips those
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, models_actions in grants.items():
        group, _created = Group.objects.get_or_create(name=role)
        for model_name, actions in models_actions.items():
            codenames = [f"{action}_{model_name}" for action in actions]
            found = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            missing = set(codenames) - set(found.values_list("codename", flat=True))
            if missing:
                raise LookupError(f"{app_label}: no permissions {sorted(missing)}")
            group.permissions.add(*found)
