import getpass

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from guanxi.core.models import OrgUnit, User
from guanxi.core.roles import Role


class Command(BaseCommand):
    help = "Create a user with a membership in an org unit and a role."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=f"a role (group) name, e.g. {', '.join(Role.values)}")
        parser.add_argument("--org-unit", required=True, help="org unit code")
        parser.add_argument("--password")
        parser.add_argument("--superuser", action="store_true")

    def handle(self, username, role, org_unit, password=None, superuser=False, **options):
        unit = OrgUnit.objects.filter(code=org_unit).first()
        if unit is None:
            raise CommandError(f"no org unit with code {org_unit!r}")
        if not Group.objects.filter(name=role).exists():
            raise CommandError(
                f"no role {role!r}; roles: {', '.join(Group.objects.order_by('name').values_list('name', flat=True))}"
            )
        if User.objects.filter(username=username).exists():
            raise CommandError(f"user {username!r} exists already")
        try:
            User.username_validator(username)
        except ValidationError as exc:
            raise CommandError(f"user name {username!r}: {' '.join(exc.messages)}") from exc
        password = password or getpass.getpass(f"Password for {username}: ")
        try:  # the same rules as everywhere a password is set (settings.AUTH_PASSWORD_VALIDATORS)
            validate_password(password, User(username=username))
        except ValidationError as exc:
            raise CommandError(f"password: {' '.join(exc.messages)}") from exc
        # a role that grants roles works in the admin, which needs the staff flag
        administers = Group.objects.filter(name=role, permissions__codename="change_membership").exists()
        User.objects.create_user(
            username, password=password, role=role, org_unit=unit, is_superuser=superuser,
            is_staff=superuser or administers,
        )
        self.stdout.write(f"created {username} ({role}) in {unit.name}")
