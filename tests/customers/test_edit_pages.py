"""Creating, changing and deleting customers in the web UI, through the generic edit and delete
views: the same services and scope checks as the API, errors beside their fields, nothing
half-written."""

import pytest
from django.urls import reverse

from guanxi.core.roles import Role
from guanxi.customers.models import Customer, CustomerRelationship
from tests.isolation import EditViewIsolation

FORM = {"name": "", "name_latin": "", "kind": "person", "gender": "u", "birth_date": "", "segment": "individual",
        "tier": "standard", "source": "dealer", "home_dealer": "", "province": "", "city": "", "national_id": ""}


def form(**values):
    return {**FORM, **values}


def test_a_dealer_creates_a_customer_for_its_own_dealer(client, users, org):
    client.force_login(users[Role.DEALER_SALES])
    assert 'href="/customers/new/"' in client.get(reverse("customers:list")).content.decode()
    response = client.post(reverse("customers:add"), form(name="吴磊", city="上海"))
    customer = Customer.objects.get(name="吴磊")
    assert response.status_code == 302 and response.url == customer.get_absolute_url()
    assert customer.home_dealer == org["D-SH1"]
    assert CustomerRelationship.objects.filter(customer=customer, org_unit=org["D-SH1"], kind="owner").exists()


@pytest.mark.parametrize("field, value, message", [
    ("national_id", "110105194912310021", "check digit"),
    ("birth_date", "2999-01-01", "future"),
    ("name", "", "required"),
])
def test_bad_input_is_shown_beside_the_field_and_nothing_is_written(client, users, field, value, message):
    client.force_login(users[Role.DEALER_SALES])
    data = {**form(name="郑爽", city="苏州"), field: value}
    response = client.post(reverse("customers:add"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    form_ = response.context["form"]
    assert field in form_.errors and message in " ".join(form_.errors[field]).lower()
    assert form_["city"].value() == "苏州"  # what was typed stays
    assert not Customer.objects.filter(city="苏州").exists()


def test_a_dealer_cannot_file_a_customer_with_another_dealer(client, users, org):
    client.force_login(users[Role.DEALER_SALES])
    response = client.post(reverse("customers:add"), form(name="冯巩", home_dealer=org["D-GZ1"].pk))
    assert response.status_code == 422 and "home_dealer" in response.context["form"].errors
    assert not Customer.objects.filter(name="冯巩").exists()


def test_a_region_user_must_name_one_of_its_dealers(client, users, org):
    client.force_login(users["region_manager"])
    response = client.post(reverse("customers:add"), form(name="无主"))
    assert response.status_code == 422 and "home_dealer" in response.context["form"].errors
    response = client.post(reverse("customers:add"), form(name="有主", home_dealer=org["D-SH2"].pk))
    assert response.status_code == 302 and Customer.objects.get(name="有主").home_dealer == org["D-SH2"]


def test_edit_changes_the_customer_and_is_refused_outside_the_scope(client, users, customers):
    zhang, wang = customers["zhang"], customers["wang"]
    client.force_login(users[Role.DEALER_SALES])
    page = client.get(reverse("customers:detail", args=[zhang.pk])).content.decode()
    assert reverse("customers:edit", args=[zhang.pk]) in page
    edit = client.get(reverse("customers:edit", args=[zhang.pk]))
    assert edit.status_code == 200 and edit.context["form"]["name"].value() == "张伟"
    data = form(name="张伟", tier="gold", home_dealer=zhang.home_dealer_id, city="上海")
    assert client.post(reverse("customers:edit", args=[zhang.pk]), data).status_code == 302
    zhang.refresh_from_db()
    assert (zhang.tier, zhang.city) == ("gold", "上海")
    assert client.get(reverse("customers:edit", args=[wang.pk])).status_code == 404
    assert client.post(reverse("customers:edit", args=[wang.pk]), form(name="x")).status_code == 404


def test_a_service_advisor_reads_but_cannot_edit_a_dealers_customer(client, users, customers):
    li = customers["li"]
    client.force_login(users[Role.SERVICE_ADVISOR])
    page = client.get(reverse("customers:detail", args=[li.pk])).content.decode()
    assert reverse("customers:edit", args=[li.pk]) not in page
    assert client.get(reverse("customers:edit", args=[li.pk])).status_code == 403  # the role may not change customers
    assert client.post(reverse("customers:edit", args=[li.pk]), form(name="改名")).status_code == 403
    assert client.get(reverse("customers:add")).status_code == 403


def test_delete_asks_first_and_refuses_a_customer_with_history(client, users, customers):
    client.force_login(users[Role.ADMIN])
    zhang, wang = customers["zhang"], customers["wang"]
    assert "cannot be undone" in client.get(reverse("customers:delete", args=[wang.pk])).content.decode()
    refused = client.post(reverse("customers:delete", args=[zhang.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422 and "erase" in refused.content.decode()
    assert Customer.objects.filter(pk=zhang.pk).exists()
    assert client.post(reverse("customers:delete", args=[wang.pk])).url == reverse("customers:list")
    assert not Customer.objects.filter(pk=wang.pk).exists()
    client.force_login(users[Role.DEALER_MANAGER])
    assert client.get(reverse("customers:delete", args=[zhang.pk])).status_code == 403


class TestCustomerPagesIsolation(EditViewIsolation):
    model = Customer
    add_url, edit_url, delete_url = "customers:add", "customers:edit", "customers:delete"

    @staticmethod
    def objects(customers):
        return list(customers.values())
