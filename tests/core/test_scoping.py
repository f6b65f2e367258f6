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
