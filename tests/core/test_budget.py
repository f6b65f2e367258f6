"""The database time budget of pages and API calls (core.budget): work over the budget is stopped
by the database itself, answered 503 with the reason, and leaves nothing half-written."""

import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.test import Client

from guanxi.core.budget import DatabaseBudgetMiddleware, is_over_budget, limit_statements
from guanxi.core.models import User
from guanxi.core.roles import Role
from guanxi.customers.models import Customer

SQLITE_ONLY = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's progress handler")
POSTGRES_ONLY = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's statement_timeout")
COUNT_TO_FIFTY_MILLION = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 50000000) SELECT count(*) FROM n"
)


@pytest.fixture
def budget(settings):
    """Limits the test's connection as the server's are limited (they are when opened, and the
    test's connection was opened before); a SQLite connection is let go again afterwards."""

    def limit(seconds: float) -> None:
        settings.GUANXI_DB_SECONDS = seconds
        limit_statements(None, connection)

    yield limit
    if connection.vendor == "sqlite":
        connection.connection.set_progress_handler(None, 0)


def test_a_request_over_its_budget_is_stopped_by_the_database(db, budget):
    budget(0.2)
    started = time.monotonic()
    with pytest.raises(OperationalError) as stopped:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(5)")
        else:
            def count(request):
                with connection.cursor() as cursor:
                    cursor.execute(COUNT_TO_FIFTY_MILLION)  # about 10 s on this machine

            DatabaseBudgetMiddleware(count)(None)
    assert is_over_budget(stopped.value) and time.monotonic() - started < 2


def test_outside_a_request_there_is_no_budget(db, budget):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL limits each statement of the server's connections, in a request or not")
    budget(0.000001)
    with connection.cursor() as cursor:
        cursor.execute("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 300000) "
                       "SELECT count(*) FROM n")
        assert cursor.fetchone()[0] == 300000


@SQLITE_ONLY
def test_a_list_scanning_more_than_its_budget_answers_503_with_the_reason(client, users, settings, org, budget):
    Customer.objects.bulk_create(Customer(name=f"客户{i}", home_dealer=org["D-SH1"]) for i in range(30_000))
    client.force_login(users[Role.ADMIN])
    budget(0.000001)
    page = client.get("/customers/", {"segment": "fleet"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 503 and "Narrow the filter" in page.content.decode()
    api = client.get("/api/customers", {"segment": "fleet"}, HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 503 and "exports run in the background" in api.json()["detail"]
    settings.GUANXI_DB_SECONDS = 0
    assert client.get("/customers/", {"segment": "fleet"}).status_code == 200


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)  # committed rows, for the other connection to lock
def test_a_write_waiting_past_its_budget_answers_503_and_writes_nothing(settings, org):
    # a superuser: the seeded roles may be gone, flushed by an earlier test with committed rows
    operator = User.objects.create_superuser("budget-operator", password="budget-pass-123")
    zhang = Customer.objects.create(name="张伟", home_dealer=org["D-SH1"])
    locked, release = threading.Event(), threading.Event()

    def hold_the_row():
        with transaction.atomic():
            Customer.objects.select_for_update().get(pk=zhang.pk)
            locked.set()
            release.wait(10)
        connections.close_all()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        locked.wait(5)
        settings.GUANXI_DB_SECONDS = 0.3
        connection.close()  # the next connection is made under the budget
        client = Client()
        client.force_login(operator)
        response = client.patch(f"/api/customers/{zhang.pk}", {"name": "张伟伟"}, content_type="application/json")
        assert response.status_code == 503
    finally:
        release.set()
        holder.join()
        settings.GUANXI_DB_SECONDS = 0
        connection.close()
    assert Customer.objects.get(pk=zhang.pk).name == "张伟"
