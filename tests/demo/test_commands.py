"""The `demo` and `loaddemo` management commands, as `guanxi demo` and `guanxi loaddemo` call them."""

from io import StringIO

import pytest
from django.core.management import call_command

from guanxi.core.models import SYSTEM_USERNAME, User
from guanxi.customers.models import ContactPoint, Customer
from guanxi.demo.users import DEMO_PASSWORD, ROLE_UNITS

pytestmark = pytest.mark.django_db


def run(command: str, **options) -> str:
    out = StringIO()
    call_command(command, stdout=out, no_progress=True, **options)
    return out.getvalue()


def test_demo_run_again_skips_what_exists_and_prints_the_logins_again():
    run("demo", customers=50, seed=3)
    people = set(User.objects.exclude(username=SYSTEM_USERNAME).values_list("username", flat=True))
    output = run("demo", customers=50, seed=3)
    assert Customer.objects.count() == 50
    assert {role.value for role in ROLE_UNITS} <= people  # a login per role (and the station's technicians)
    assert set(User.objects.exclude(username=SYSTEM_USERNAME).values_list("username", flat=True)) == people
    assert "exist already" in output and DEMO_PASSWORD in output


def test_loaddemo_tops_up_to_the_number_asked_for_and_reports_rows():
    assert "rows/s" in run("loaddemo", customers=40, seed=1)
    assert "nothing to load" in run("loaddemo", customers=40, seed=1)
    assert Customer.objects.count() == 40
    run("loaddemo", customers=70, seed=1)
    assert Customer.objects.count() == 70


def test_an_interrupted_load_run_again_ends_with_the_number_asked_for(monkeypatch):
    """Killed after its first chunk, `loaddemo --customers 100` run again holds 100 customers (it
    once ended with 100 + 100 - 30), with no phone, email or VIN twice."""
    from guanxi.demo import loader

    real_load = loader.load

    def killed_after_one_chunk(customers, seed=42, **kwargs):
        calls = {"n": 0}
        real_derive = loader.derive_from_records

        def derive_then_die(*args):
            calls["n"] += 1
            if calls["n"] == 2:
                raise KeyboardInterrupt
            real_derive(*args)

        monkeypatch.setattr(loader, "derive_from_records", derive_then_die)
        try:
            return real_load(customers, seed, chunk_size=30, **kwargs)
        finally:
            monkeypatch.setattr(loader, "derive_from_records", real_derive)

    monkeypatch.setattr(loader, "load", killed_after_one_chunk)
    with pytest.raises(KeyboardInterrupt):
        run("loaddemo", customers=100, seed=1)
    assert Customer.objects.count() == 30
    monkeypatch.setattr(loader, "load", real_load)
    run("loaddemo", customers=100, seed=1)
    assert Customer.objects.count() == 100
    for kind in ("phone", "email"):
        values = ContactPoint.objects.filter(kind=kind).values_list("normalized", flat=True)
        assert len(values) == len(set(values)), kind


def test_demo_finishes_an_interrupted_load():
    run("loaddemo", customers=30, seed=3)
    run("demo", customers=50, seed=3)
    assert Customer.objects.count() == 50
