"""Who sees a customer is decided by customer ↔ org unit relationships and by the user's
memberships, not by one home-dealer field; the leaks of the one-field design stay closed."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from guanxi.core.models import Membership, User
from guanxi.core.roles import Role
from guanxi.customers import overview, relationships, services
from guanxi.customers.models import Customer, CustomerRelationship, Ownership, RelationshipKind, Vehicle
from tests.conftest import PASSWORD

ZHANG_CAR = "LSVAU218XN2183294"
LI_CAR = "LSVCC6A48PN000007"


def names(user, action="view"):
    fresh = User.objects.get(pk=user.pk)  # a new request: memberships and roles read anew
    return sorted(Customer.objects.restrict(fresh, action).values_list("name", flat=True))


# --- the leaks of the home-dealer design ---------------------------------------------------------


def test_the_previous_owners_dealer_does_not_see_a_resold_cars_current_plate_mileage_or_station(
    client, org, users, customers
):
    admin = users[Role.ADMIN]
    car = services.add_vehicle(
        admin,
        customers["wang"].pk,
        {"vin": ZHANG_CAR, "plate": "粤B99999", "mileage_km": 42424, "purchase_date": dt.date(2025, 1, 2)},
    )
    car.service_unit = org["D-GZ1"]
    car.save()
    client.force_login(users[Role.DEALER_SALES])  # 张伟's dealer
    page = client.get(reverse("customers:detail", args=[customers["zhang"].pk])).content.decode()
    assert "2022-05-01 – 2025-01-02" in page  # 张伟 owned a car until then
    for current in ["粤B99999", "42,424", "42424", "D-GZ1", "王芳"]:
        assert current not in page, current
    assert client.get(f"/api/vehicles/{car.pk}").status_code == 404


def test_owners_the_user_may_not_see_are_not_even_loaded(users, customers):
    admin, dealer = users[Role.ADMIN], users[Role.DEALER_SALES]
    services.add_vehicle(admin, customers["wang"].pk, {"vin": ZHANG_CAR, "purchase_date": dt.date(2025, 1, 2)})
    services.add_vehicle(admin, customers["zhang"].pk, {"vin": ZHANG_CAR, "purchase_date": dt.date(2026, 3, 4)})
    view = overview.customer_360(dealer, customers["zhang"].pk)
    current = next(o for o in view.ownerships if o.end_date is None)
    owners = [o.owner_name for o in current.visible_vehicle.ownerships.all()]
    assert owners == ["张伟", None, "张伟"]  # newest first: 张伟 again, 王芳 unseen, 张伟 first


def test_a_workshop_cannot_take_over_a_car_it_services_for_another_dealers_customer(client, org, users, customers):
    li_car = Vehicle.objects.get(vin=LI_CAR)
    li_car.service_unit, li_car.plate, li_car.mileage_km = org["D-SH1"], "沪C00001", 1000
    li_car.save()  # D-SH1's workshop services 李娜's car; 李娜 is D-SH2's customer
    client.force_login(users[Role.DEALER_SALES])
    response = client.post(
        f"/api/customers/{customers['zhang'].pk}/vehicles",
        {"vin": LI_CAR, "model": "途观L Tiguan L", "model_year": 2023, "plate": "沪A88888", "mileage_km": 5},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "vin"
    li_car.refresh_from_db()
    assert (li_car.plate, li_car.mileage_km) == ("沪C00001", 1000)
    assert Ownership.objects.get(vehicle=li_car, end_date__isnull=True).customer == customers["li"]


def test_a_region_user_cannot_create_a_customer_it_could_not_read_back(client, users):
    client.force_login(users["region_manager"])
    response = client.post("/api/customers", {"name": "无主"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "home_dealer_id"
    assert not Customer.objects.filter(name="无主").exists()


# --- relationships --------------------------------------------------------------------------------


def test_creating_and_moving_a_customer_keeps_the_owner_of_record_relationship(org, users, customers):
    zhang = customers["zhang"]
    assert list(zhang.relationships.filter(until__isnull=True).values_list("org_unit__code", "kind")) == [
        ("D-SH1", "owner")
    ]
    services.update_customer(users[Role.ADMIN], zhang.pk, {"home_dealer_id": org["D-GZ1"].pk})
    assert names(users[Role.DEALER_SALES]) == []
    assert names(users["other_dealer"]) == ["张伟", "王芳"]
    assert zhang.relationships.filter(org_unit=org["D-SH1"], until__isnull=False).exists()  # history kept


def test_a_lead_handed_to_a_second_dealer_lets_it_read_but_not_change(org, users, customers):
    wang = customers["wang"]
    relationships.relate(wang, org["D-SH1"].pk, RelationshipKind.LEAD, "lead")
    dealer = users[Role.DEALER_SALES]
    assert names(dealer) == ["张伟", "王芳"]
    assert names(dealer, "change") == ["张伟"]
    assert names(users["other_dealer"]) == ["王芳"]  # the owner of record keeps sight of its customer
    relationships.end(wang, RelationshipKind.LEAD)
    assert names(dealer) == ["张伟"]


def test_a_customer_related_to_two_dealers_is_seen_and_changed_by_both(org, users, customers):
    """What a merge of two dealers' records of one person will do: both keep their customer."""
    relationships.relate(customers["zhang"], org["D-GZ1"].pk, RelationshipKind.SALES, "merge")
    assert names(users[Role.DEALER_SALES], "change") == ["张伟"]
    assert names(users["other_dealer"], "change") == ["张伟", "王芳"]


def test_a_service_station_keeps_sight_of_a_customer_whose_car_it_serviced_after_a_resale(users, customers):
    advisor = users[Role.SERVICE_ADVISOR]  # S-SH services 李娜's car
    assert names(advisor) == ["李娜"]
    services.add_vehicle(users[Role.ADMIN], customers["wang"].pk, {"vin": LI_CAR, "purchase_date": dt.date(2026, 1, 1)})
    assert names(advisor) == ["李娜", "王芳"]  # the new owner's car is serviced there too
    assert list(Vehicle.objects.restrict(advisor).values_list("vin", flat=True)) == [LI_CAR]


def test_a_service_relationship_reads_but_does_not_see_the_sales_talk(users, customers):
    admin, advisor = users[Role.ADMIN], users[Role.SERVICE_ADVISOR]
    services.add_interaction(admin, customers["li"].pk, {"channel": "phone", "direction": "out", "subject": "报价"})
    services.add_interaction(advisor, customers["li"].pk, {"channel": "visit", "direction": "in", "subject": "保养"})
    view = overview.customer_360(User.objects.get(pk=advisor.pk), customers["li"].pk)
    assert [i.subject for i in view.timeline] == ["保养"]
    assert names(advisor, "change") == []


def test_the_migration_rule_derives_owner_and_service_relationships(users, customers):
    CustomerRelationship.objects.all().delete()
    relationships.derive_from_records()
    rows = set(CustomerRelationship.objects.values_list("customer__name", "org_unit__code", "kind"))
    assert rows == {
        ("张伟", "D-SH1", "owner"),
        ("李娜", "D-SH2", "owner"),
        ("王芳", "D-GZ1", "owner"),
        ("李娜", "S-SH", "service"),
    }


# --- memberships and roles as data ----------------------------------------------------------------


def test_a_dealer_group_manager_with_two_memberships_sees_exactly_both_dealers_customers(org, users, customers):
    manager = User.objects.create_user("u_group", password=PASSWORD, role=Role.DEALER_MANAGER, org_unit=org["D-SH1"])
    Membership.objects.create(user=manager, org_unit=org["D-GZ1"], role=Group.objects.get(name=Role.DEALER_MANAGER))
    assert names(manager) == ["张伟", "王芳"]
    assert names(manager, "change") == ["张伟", "王芳"]


def test_rights_are_the_union_per_action_over_memberships(org, users, customers):
    """Sales at D-SH1 and service advisor at S-SH: reads both units' customers, changes only D-SH1's."""
    user = User.objects.create_user("u_both", password=PASSWORD, role=Role.DEALER_SALES, org_unit=org["D-SH1"])
    Membership.objects.create(user=user, org_unit=org["S-SH"], role=Group.objects.get(name=Role.SERVICE_ADVISOR))
    assert names(user) == ["张伟", "李娜"]
    assert names(user, "change") == ["张伟"]


def test_a_role_made_by_an_administrator_in_the_ui_takes_effect_without_a_release(client, org, users, customers):
    operator = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(operator)
    view = Permission.objects.get(codename="view_customer")
    sign_in_policy = {"policy-TOTAL_FORMS": "1", "policy-INITIAL_FORMS": "0", "policy-MIN_NUM_FORMS": "0",
                      "policy-MAX_NUM_FORMS": "1", "policy-0-session_hours": "8"}
    response = client.post("/admin/auth/group/add/", {"name": "fleet_desk", "permissions": [view.pk],
                                                      **sign_in_policy})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Group.objects.get(name="fleet_desk").policy.session_hours == 8
    desk = User.objects.create_user("u_fleet", password=PASSWORD, role="fleet_desk", org_unit=org["D-GZ1"])
    assert names(desk) == ["王芳"] and names(desk, "change") == []
    client.force_login(desk)
    assert client.get(reverse("customers:list")).status_code == 200
    assert (
        client.patch(
            f"/api/customers/{customers['wang'].pk}", {"city": "广州"}, content_type="application/json"
        ).status_code
        == 403
    )
    Group.objects.get(name="fleet_desk").permissions.add(Permission.objects.get(codename="change_customer"))
    assert (
        client.patch(
            f"/api/customers/{customers['wang'].pk}", {"city": "广州"}, content_type="application/json"
        ).status_code
        == 200
    )


def test_the_top_bar_names_every_membership(client, org, users):
    user = users[Role.DEALER_SALES]
    Membership.objects.create(user=user, org_unit=org["S-SH"], role=Group.objects.get(name=Role.SERVICE_ADVISOR))
    client.force_login(user)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "D-SH1 · Dealer sales / S-SH · Service advisor" in page


@pytest.mark.parametrize("role", list(Role))
def test_every_built_in_role_is_a_group_seeded_with_permissions(db, role):
    assert Group.objects.get(name=role.value).permissions.exists()


def test_a_dealer_that_only_sells_to_a_customer_cannot_take_it_from_its_owner(client, org, users, customers):
    wang = customers["wang"]  # D-GZ1's customer
    relationships.relate(wang, org["D-SH1"].pk, RelationshipKind.SALES, "lead handed over")
    client.force_login(users[Role.DEALER_SALES])  # D-SH1
    response = client.patch(f"/api/customers/{wang.pk}", {"home_dealer_id": org["D-SH1"].pk},
                            content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "home_dealer_id"
    assert names(users["other_dealer"]) == ["王芳"]  # D-GZ1 keeps its customer
    # and its other edits still save through the form, which keeps the home dealer as it is
    data = {"name": "王芳", "name_latin": "", "kind": "person", "gender": "u", "birth_date": "",
            "segment": "individual", "tier": "gold", "source": "dealer", "home_dealer": org["D-GZ1"].pk,
            "province": "", "city": "广州", "national_id": ""}
    assert client.post(reverse("customers:edit", args=[wang.pk]), data).status_code == 302
    wang.refresh_from_db()
    assert (wang.tier, wang.home_dealer_id) == ("gold", org["D-GZ1"].pk)
