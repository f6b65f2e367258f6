"""The scoping layer at the queryset level: who sees which customers and vehicles."""

import pytest

from guanxi.core.roles import Role
from guanxi.customers.models import Customer, Vehicle


def names(qs):
    return sorted(qs.values_list("name", flat=True))


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.HQ_SALES, Role.HQ_MARKETING, Role.ANALYST, Role.AGENT, Role.SUPERVISOR]
)
def test_head_office_and_call_center_see_every_customer(users, customers, role):
    assert names(Customer.objects.restrict(users[role])) == ["张伟", "李娜", "王芳"]


def test_dealer_sees_only_its_own_customers(users, customers):
    assert names(Customer.objects.restrict(users[Role.DEALER_SALES])) == ["张伟"]
    assert names(Customer.objects.restrict(users["other_dealer"])) == ["王芳"]


def test_region_sees_its_dealers_customers(users, customers):
    assert names(Customer.objects.restrict(users["region_manager"])) == ["张伟", "李娜"]


def test_service_station_sees_customers_of_vehicles_it_services(users, customers):
    advisor = users[Role.SERVICE_ADVISOR]
    assert names(Customer.objects.restrict(advisor)) == ["李娜"]
    assert list(Vehicle.objects.restrict(advisor).values_list("vin", flat=True)) == ["LSVCC6A48PN000007"]


def test_default_deny(users, customers, django_user_model):
    assert not Customer.objects.restrict(users["no_role"]).exists()
    homeless = django_user_model.objects.create_user("homeless", role=Role.HQ_SALES)
    assert not Customer.objects.restrict(homeless).exists()
    from django.contrib.auth.models import AnonymousUser

    assert not Customer.objects.restrict(AnonymousUser()).exists()


def test_role_without_the_action_gets_nothing(users, customers):
    assert not Customer.objects.restrict(users[Role.ANALYST], "change").exists()
    assert not Customer.objects.restrict(users[Role.DEALER_SALES], "delete").exists()
    assert Customer.objects.restrict(users[Role.ADMIN], "delete").count() == 3


def test_a_query_over_the_whole_scope_counts_the_same_rows_without_probing(users, customers):
    """Pages probe each row (OFFSET 0 keeps PostgreSQL from building the whole related set); a
    count over the whole scope lets it build the set once (core.scoping.reading_the_whole_scope)."""
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from guanxi.core.scoping import reading_the_whole_scope

    for user in (users[Role.DEALER_SALES], users["region_manager"], users[Role.SERVICE_ADVISOR]):
        rows = Customer.objects.restrict(user).order_by().values("lifecycle_stage").annotate(n=Count("pk"))
        with CaptureQueriesContext(connection) as probed:
            paged = sorted((row["lifecycle_stage"], row["n"]) for row in rows.all())
        with CaptureQueriesContext(connection) as whole, reading_the_whole_scope():
            counted = sorted((row["lifecycle_stage"], row["n"]) for row in rows.all())
        assert counted == paged and sum(n for _stage, n in counted) > 0
        if connection.vendor == "postgresql":
            assert "OFFSET 0" in probed.captured_queries[-1]["sql"]
            assert "OFFSET 0" not in whole.captured_queries[-1]["sql"]
    with CaptureQueriesContext(connection) as after:
        assert Customer.objects.restrict(users[Role.DEALER_SALES]).count() == 1
    if connection.vendor == "postgresql":
        assert "OFFSET 0" in after.captured_queries[-1]["sql"]  # pages probe again after the block
