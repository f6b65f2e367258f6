"""Shared fixtures: a small org tree with one user per role and customers at different dealers.

    HQ ─┬─ R-EAST ─┬─ D-SH1 (dealer with service)   customer "张伟" (+ vehicle)
        │          ├─ D-SH2 (dealer)                customer "李娜" (vehicle serviced at S-SH)
        │          └─ S-SH  (service station)
        ├─ R-SOUTH ── D-GZ1 (dealer)                customer "王芳"
        └─ CC (call center)
"""

import datetime as dt
import os
import shutil
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from guanxi.core.models import OrgUnit, User
from guanxi.core.roles import Role

PASSWORD = "test-pass-123"

# role -> org unit code of the user made for it
ROLE_UNITS = {
    Role.ADMIN: "HQ",
    Role.HQ_SALES: "HQ",
    Role.HQ_MARKETING: "HQ",
    Role.ANALYST: "HQ",
    Role.AGENT: "CC",
    Role.SUPERVISOR: "CC",
    Role.DEALER_MANAGER: "D-SH1",
    Role.DEALER_SALES: "D-SH1",
    Role.SERVICE_ADVISOR: "S-SH",
}


@pytest.fixture(autouse=True)
def _empty_cache():
    """Ids come back after a rolled-back test: what a test cached (rights, tokens, the public
    calendar) must not reach the next."""
    from django.core.cache import cache

    from guanxi.core import calendar

    cache.clear()
    calendar.forget()
    yield
    cache.clear()
    calendar.forget()


FAST_SETTINGS = {"GUANXI_PII_KEY": "test-pii-key",
                 "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"]}


@pytest.fixture(autouse=True)
def _fast_test_settings(settings, tmp_path):
    for name, value in FAST_SETTINGS.items():
        setattr(settings, name, value)
    settings.GUANXI_WAREHOUSE_DIR = tmp_path / "warehouse"  # a rolled-back test's copy must not reach the next


def shared_demo(customers: int, seed: int):
    """A fixture for a module whose tests read one `guanxi demo` data set (scored once by the command itself):
    loaded once for the module inside a transaction rolled back after its last test (each test rolls back
    to a savepoint in it, as usual), instead of once per test, which took most of the suite's time. Each
    test gets its own copy of the demo's warehouse. Not for transactional tests."""

    @pytest.fixture(scope="module", name="demo_data")
    def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
        warehouse = tmp_path_factory.mktemp("demo-warehouse")
        with (django_db_blocker.unblock(), override_settings(**FAST_SETTINGS, GUANXI_WAREHOUSE_DIR=warehouse),
              transaction.atomic()):
            call_command("demo", customers=customers, seed=seed, no_progress=True, stdout=StringIO())
            yield warehouse
            transaction.set_rollback(True)

    @pytest.fixture(name="demo")
    def demo(demo_data, db, settings):
        shutil.copytree(demo_data, settings.GUANXI_WAREHOUSE_DIR)

    return loaded, demo


@pytest.fixture
def org(db):
    return make_org()


@pytest.fixture
def users(org):
    return make_users(org)


@pytest.fixture
def customers(org, users):
    return make_customers(org, users)


def shared_people():
    """The fixtures `org`, `users` and `customers` for a module whose tests read them and change them only in the
    database (each test still rolls back to its own savepoint): made once for the module, inside a transaction
    rolled back after its last test, instead of once per test. The isolation matrices run hundreds of tests on
    the same people, and making them again took a third of their time (most of it on PostgreSQL). A module
    takes them with `people, org, users, customers = shared_people()`. Not for transactional tests."""

    @pytest.fixture(scope="module", name="people")
    def made(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock(), override_settings(**FAST_SETTINGS), transaction.atomic():
            units = make_org()
            accounts = make_users(units)
            yield units, accounts, make_customers(units, accounts)
            transaction.set_rollback(True)

    @pytest.fixture(name="org")
    def shared_org(people, db):
        return people[0]

    @pytest.fixture(name="users")
    def shared_users(people, db):
        return people[1]

    @pytest.fixture(name="customers")
    def shared_customers(people, db):
        return people[2]

    return made, shared_org, shared_users, shared_customers


def make_org() -> dict[str, OrgUnit]:
    def unit(code, kind, parent=None, **extra):
        return OrgUnit.objects.create(code=code, name=code, kind=kind, parent=parent, **extra)

    hq = unit("HQ", "hq")
    east = unit("R-EAST", "region", hq)
    south = unit("R-SOUTH", "region", hq)
    return {
        "HQ": hq,
        "R-EAST": east,
        "R-SOUTH": south,
        "D-SH1": unit("D-SH1", "dealer", east, has_service=True),
        "D-SH2": unit("D-SH2", "dealer", east),
        "S-SH": unit("S-SH", "service_station", east, has_service=True),
        "D-GZ1": unit("D-GZ1", "dealer", south),
        "CC": unit("CC", "call_center", hq),
    }


def make_users(org) -> dict[str, User]:
    made = {
        role: User.objects.create_user(f"u_{role}", password=PASSWORD, role=role, org_unit=org[code])
        for role, code in ROLE_UNITS.items()
    }
    made["region_manager"] = User.objects.create_user(
        "u_region", password=PASSWORD, role=Role.DEALER_MANAGER, org_unit=org["R-EAST"]
    )
    made["other_dealer"] = User.objects.create_user(
        "u_other_dealer", password=PASSWORD, role=Role.DEALER_SALES, org_unit=org["D-GZ1"]
    )
    made["no_role"] = User.objects.create_user("u_norole", password=PASSWORD, org_unit=org["HQ"])
    return made


def make_customers(org, users) -> dict:
    from guanxi.customers import services

    admin = users[Role.ADMIN]
    zhang = services.create_customer(
        admin, {"name": "张伟", "home_dealer_id": org["D-SH1"].pk, "national_id": "11010519491231002X"},
        [{"kind": "phone", "value": "138 0013 8000"}, {"kind": "email", "value": "Zhang.Wei@Example.cn"}],
    )
    li = services.create_customer(
        admin, {"name": "李娜", "home_dealer_id": org["D-SH2"].pk}, [{"kind": "phone", "value": "13900139000"}]
    )
    wang = services.create_customer(
        admin, {"name": "王芳", "home_dealer_id": org["D-GZ1"].pk}, [{"kind": "phone", "value": "13700137000"}]
    )
    services.add_vehicle(admin, zhang.pk, {"vin": "LSVAU218XN2183294", "model": "帕萨特 Passat", "model_year": 2022,
                                           "plate": "沪A12345", "purchase_date": dt.date(2022, 5, 1)})
    li_car = services.add_vehicle(admin, li.pk, {"vin": "LSVCC6A48PN000007", "model": "途观L Tiguan L",
                                                 "model_year": 2023, "purchase_date": dt.date(2023, 3, 8)})
    li_car.service_unit = org["S-SH"]
    li_car.save()
    return {"zhang": zhang, "li": li, "wang": wang}


def _flushes_without_restoring(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"))


@pytest.hookimpl(trylast=True)  # after pytest-django has put the transactional tests last
def pytest_collection_modifyitems(config, items):
    """Browser tests need Chromium; everything else runs anywhere.

    A transactional test that does not restore the migrations' rows flushes and lets post_migrate
    make the content types again under new ids; a later test restoring its serialized copy then
    collides with them (IntegrityError on PostgreSQL, CI 2026-11-27). So those run last."""
    items.sort(key=_flushes_without_restoring)
    if os.environ.get("GUANXI_SKIP_BROWSER"):
        skip = pytest.mark.skip(reason="GUANXI_SKIP_BROWSER is set")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    """The files that take the suite's time (setup, call and teardown together), to keep it within budget."""
    by_file: dict[str, float] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if isinstance(report, pytest.TestReport):
                path = report.nodeid.split("::")[0]
                by_file[path] = by_file.get(path, 0.0) + report.duration
    if by_file:
        terminalreporter.write_sep("=", "slowest 15 test files")
        for path, seconds in sorted(by_file.items(), key=lambda item: -item[1])[:15]:
            terminalreporter.write_line(f"{seconds:8.1f}s {path}")
