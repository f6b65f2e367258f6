"""The `demo` and `loaddemo` management commands, as `guanxi demo` and `guanxi loaddemo` call them."""

from io import StringIO

import pytest
from django.core.management import call_command

from guanxi.core.models import User
from guanxi.core.roles import Role
from guanxi.customers.models import Customer
from guanxi.demo.users import DEMO_PASSWORD, ROLE_UNITS

pytestmark = pytest.mark.django_db


def run(command: str, **options) -> str:
    out = StringIO()
    call_command(command, stdout=out, no_progress=True, **options)
    return out.getvalue()


def test_demo_creates_one_user_per_role_who_can_log_in(client):
    output = run("demo", customers=120, seed=3)
    assert Customer.objects.count() == 120
    for role, unit_code in ROLE_UNITS.items():
        user = User.objects.get(username=role.value)
        assert list(user.memberships.values_list("role__name", "org_unit__code")) == [(role, unit_code)]
        assert role.value in output
        assert client.login(username=role.value, password=DEMO_PASSWORD)
    dealer_sees = Customer.objects.restrict(User.objects.get(username=Role.DEALER_SALES)).count()
    assert 0 < dealer_sees < 120  # the loaded customers' relationships decide who sees them
    admin = User.objects.get(username=Role.ADMIN)
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.get(username=Role.AGENT).is_staff


def test_demo_run_again_skips_what_exists_and_prints_the_logins_again():
    run("demo", customers=50, seed=3)
    output = run("demo", customers=50, seed=3)
    assert Customer.objects.count() == 50
    assert User.objects.count() == len(ROLE_UNITS)
    assert "exist already" in output and DEMO_PASSWORD in output


def test_loaddemo_appends_and_reports_rows():
    run("loaddemo", customers=40, seed=1)
    output = run("loaddemo", customers=40, seed=1)
    assert Customer.objects.count() == 80
    assert "rows/s" in output
