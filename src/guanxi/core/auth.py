"""Django's own permission checks (the admin, `user.has_perm`) read the user's memberships.

Roles are groups, but users hold them through memberships (org unit + role), not through
Django's user ↔ group table: this backend makes a role's permissions count for Django wherever
the user holds the role. Where in the organisation they apply is the scoping layer's business.
"""

from django.contrib.auth.backends import ModelBackend


class MembershipBackend(ModelBackend):
    def get_group_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        rows = user_obj.membership_rows
        return {f"{app_label}.{codename}" for *_, app_label, codename in rows if codename}
