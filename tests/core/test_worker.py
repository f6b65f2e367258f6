"""`guanxi worker` for real, in its own process on its own database: killed mid-batch with
SIGKILL and started again, it handles every domain event, and every event's effect (here the
notifications of a customer assigned to a dealer) exists exactly once."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import psycopg
import pytest

EVENTS = 1500
PRODUCER = f"""
from django.db import transaction
from guanxi.core.models import OrgUnit, User
from guanxi.customers import relationships
from guanxi.customers.models import Customer, RelationshipKind
hq = OrgUnit.objects.create(code="HQ", name="HQ", kind="hq")
cc = OrgUnit.objects.create(code="CC", name="CC", kind="call_center", parent=hq)
dealer = OrgUnit.objects.create(code="D001", name="D001", kind="dealer", parent=hq)
agent = User.objects.create_user("agent", role="agent", org_unit=cc)
User.objects.create_user("sales", role="dealer_sales", org_unit=dealer)
User.objects.create_user("manager", role="dealer_manager", org_unit=dealer)
customers = Customer.objects.bulk_create(Customer(name=f"客户{{i}}") for i in range({EVENTS}))
with transaction.atomic():
    for customer in customers:
        relationships.relate(customer, dealer.pk, RelationshipKind.OWNER, "call center", actor=agent)
"""


@pytest.fixture
def worker_env(tmp_path):
    """A data directory and database of the test's own, on the database the suite runs on."""
    env = {k: v for k, v in os.environ.items() if k not in ("GUANXI_TEST_DATABASE_URL", "GUANXI_REDIS_URL")}
    env["GUANXI_DATA_DIR"] = str(tmp_path)
    test_url = os.environ.get("GUANXI_TEST_DATABASE_URL")
    if not test_url:
        yield env, lambda sql: sqlite3.connect(tmp_path / "guanxi.sqlite3").execute(sql).fetchone()[0]
        return
    name = f"guanxi_worker_test_{os.getpid()}"
    admin_url = test_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    env["GUANXI_DATABASE_URL"] = test_url.rsplit("/", 1)[0] + f"/{name}"

    def scalar(sql):
        with psycopg.connect(env["GUANXI_DATABASE_URL"]) as conn:
            return conn.execute(sql).fetchone()[0]

    yield env, scalar
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def guanxi(*args):
    return [sys.executable, "-c", "from guanxi.cli import main; main()", *args]


def start_worker(env):
    log = open(os.path.join(env["GUANXI_DATA_DIR"], "worker.log"), "ab")  # the worker process keeps it open
    return subprocess.Popen(guanxi("worker"), env=env, start_new_session=True, stdout=log, stderr=log)


def wait_for(condition, seconds: float, step: float = 0.02):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


HANDLED = "SELECT COUNT(*) FROM core_domainevent WHERE handled_at IS NOT NULL"


def test_a_worker_killed_mid_batch_leaves_every_event_handled_once_after_a_restart(worker_env):
    env, scalar = worker_env
    subprocess.run(guanxi("migrate"), env=env, check=True, capture_output=True)
    subprocess.run(guanxi("manage", "shell", "-c", PRODUCER), env=env, check=True, capture_output=True)
    assert scalar("SELECT COUNT(*) FROM core_domainevent") == EVENTS

    worker = start_worker(env)
    try:
        assert wait_for(lambda: scalar(HANDLED) >= 50, 60), "the worker handled nothing"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    handled_at_kill = scalar(HANDLED)
    assert 0 < handled_at_kill < EVENTS, f"not killed mid-batch ({handled_at_kill} of {EVENTS} handled)"

    worker = start_worker(env)
    try:
        log = os.path.join(env["GUANXI_DATA_DIR"], "worker.log")
        assert wait_for(lambda: scalar(HANDLED) == EVENTS, 120, step=0.2), open(log).read()[-3000:]
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    assert scalar("SELECT COUNT(*) FROM core_eventreceipt") == EVENTS
    assert scalar("SELECT COUNT(*) FROM core_notification") == 2 * EVENTS  # sales and manager, once each
    assert scalar("SELECT COUNT(DISTINCT event_id) FROM core_notification") == EVENTS
    assert scalar("SELECT COUNT(*) FROM core_domainevent WHERE attempts > 0") == 0
