"""Creating, changing and deleting customers in the web UI, through the generic edit and delete
views: the same services and scope checks as the API, errors beside their fields, nothing
half-written."""

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from guanxi.analytics.models import Score, ScoreModel, ScoringRun
from guanxi.core.models import User
from guanxi.core.roles import Role
from guanxi.customers import services
from guanxi.customers.models import Customer, CustomerRelationship, Vehicle
from tests.conftest import shared_people
from tests.isolation import USER_KEYS, AddPageIsolation, PageIsolation

people, org, users, customers = shared_people()

FORM = {"name": "", "name_latin": "", "kind": "person", "gender": "u", "birth_date": "", "segment": "individual",
        "tier": "standard", "source": "dealer", "home_dealer": "", "province": "", "city": "", "national_id": "",
        "referred_by": ""}


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
    ("phone", "12345", "phone number"),
    ("email", "a@b.c\n", "email address"),
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
    asked = client.get(reverse("customers:delete", args=[wang.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "cannot be undone" in asked
    refused = client.post(reverse("customers:delete", args=[zhang.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422 and "erase" in refused.content.decode()
    assert Customer.objects.filter(pk=zhang.pk).exists()
    assert client.post(reverse("customers:delete", args=[wang.pk])).url == reverse("customers:list")
    assert not Customer.objects.filter(pk=wang.pk).exists()
    client.force_login(users[Role.DEALER_MANAGER])
    assert client.get(reverse("customers:delete", args=[zhang.pk])).status_code == 403


class TestCustomerPagesIsolation(AddPageIsolation):
    model = Customer
    add_url, detail_url = "customers:add", "customers:detail"
    edit_url, delete_url = "customers:edit", "customers:delete"

    @staticmethod
    def objects(customers):
        return list(customers.values())


# --- bulk edit --------------------------------------------------------------------------------------


def test_a_dealer_manager_sets_the_tier_of_selected_customers_at_once(client, users, customers, org):
    zhang = customers["zhang"]
    second = services.create_customer(users[Role.DEALER_MANAGER], {"name": "第二位"})
    client.force_login(users[Role.DEALER_MANAGER])
    listing = client.get(reverse("customers:list")).content.decode()
    assert 'form="bulk-edit"' in listing and f'value="{zhang.pk}"' in listing
    asked = client.post(reverse("customers:bulk_edit"), {"pk": [zhang.pk, second.pk]})
    assert asked.status_code == 200 and len(asked.context["rows"]) == 2
    done = client.post(reverse("customers:bulk_edit"), {"pk": [zhang.pk, second.pk], "apply": "1", "tier": "gold"})
    assert done.status_code == 302
    assert set(Customer.objects.filter(pk__in=[zhang.pk, second.pk]).values_list("tier", flat=True)) == {"gold"}
    zhang.refresh_from_db()
    assert zhang.lifecycle_stage == "prospect" and zhang.home_dealer == org["D-SH1"]  # blank fields left alone


def test_a_selection_with_a_row_outside_the_scope_changes_nothing(client, users, customers):
    zhang, wang = customers["zhang"], customers["wang"]
    client.force_login(users[Role.DEALER_MANAGER])
    response = client.post(reverse("customers:bulk_edit"), {"pk": [zhang.pk, wang.pk], "apply": "1", "tier": "vip"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422 and "nothing was changed" in response.content.decode()
    assert set(Customer.objects.values_list("tier", flat=True)) == {"standard"}


def test_one_row_refused_rolls_back_every_row_and_names_it(client, users, customers):
    zhang, li = customers["zhang"], customers["li"]
    Customer.objects.filter(pk=li.pk).update(birth_date="2999-01-01")  # a legacy row the services refuse
    client.force_login(users[Role.ADMIN])
    response = client.post(reverse("customers:bulk_edit"), {"pk": [zhang.pk, li.pk], "apply": "1", "tier": "vip"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422 and "李娜: birth_date" in response.content.decode()
    assert set(Customer.objects.values_list("tier", flat=True)) == {"standard"}


@pytest.mark.parametrize("role", [Role.ANALYST, Role.SERVICE_ADVISOR, "no_role"])
def test_roles_that_may_not_change_customers_get_no_checkboxes_and_403(client, users, customers, role):
    client.force_login(users[role])
    assert 'form="bulk-edit"' not in client.get(reverse("customers:list")).content.decode()
    response = client.post(reverse("customers:bulk_edit"), {"pk": [customers["li"].pk], "apply": "1", "tier": "vip"})
    assert response.status_code == 403
    assert Customer.objects.get(pk=customers["li"].pk).tier == "standard"


class TestVehiclePagesIsolation(PageIsolation):
    model = Vehicle
    detail_url, edit_url, delete_url = "customers:vehicle", "customers:vehicle_edit", "customers:vehicle_delete"

    @staticmethod
    def objects(customers):
        return list(Vehicle.objects.order_by("pk"))


def test_a_workshop_updates_the_mileage_of_a_car_it_services_but_not_its_owner(client, users, customers, org):
    car = Vehicle.objects.get(vin="LSVCC6A48PN000007")  # 李娜's, serviced at S-SH
    client.force_login(users[Role.SERVICE_ADVISOR])
    page = client.get(reverse("customers:vehicle", args=[car.pk])).content.decode()
    assert "李娜" in page and reverse("customers:vehicle_edit", args=[car.pk]) in page
    data = {"model": car.model, "model_year": car.model_year, "plate": "沪C 12345", "mileage_km": 15000,
            "service_unit": org["S-SH"].pk, "purchase_date": "2023-03-08", "warranty_end": "", "price": ""}
    assert client.post(reverse("customers:vehicle_edit", args=[car.pk]), data).status_code == 302
    car.refresh_from_db()
    assert (car.plate, car.mileage_km) == ("沪C12345", 15000)
    elsewhere = {**data, "service_unit": org["D-SH1"].pk}  # a workshop the advisor does not work for
    response = client.post(reverse("customers:vehicle_edit", args=[car.pk]), elsewhere)
    assert response.status_code == 422 and "service_unit" in response.context["form"].errors


def test_the_new_buttons_and_forms_speak_chinese_by_default(client, users, customers):
    client.force_login(users[Role.DEALER_MANAGER])
    listing = client.get(reverse("customers:list")).content.decode()
    assert all(label in listing for label in ("导出 CSV", "批量编辑所选", "新建", "互动记录"))
    page = client.get(reverse("customers:detail", args=[customers["zhang"].pk])).content.decode()
    assert all(label in page for label in ("编辑", "登记车辆", "记录互动"))
    assert "保存" in client.get(reverse("customers:edit", args=[customers["zhang"].pk])).content.decode()


def test_a_new_customer_gets_the_mobile_number_and_email_typed_with_it(client, users):
    client.force_login(users[Role.DEALER_SALES])
    typed = form(name="周杰", phone="139 1234 5678", email="Zhou.Jie@Example.cn")
    response = client.post(reverse("customers:add"), typed)
    zhou = Customer.objects.get(name="周杰")
    assert response.status_code == 302
    assert {(c.kind, c.normalized) for c in zhou.contact_points.all()} == {
        ("phone", "+8613912345678"), ("email", "zhou.jie@example.cn")}
    assert 'name="phone"' not in client.get(reverse("customers:edit", args=[zhou.pk])).content.decode()


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_the_duplicate_warning_names_only_customers_the_user_may_see(client, users, customers, user_key):
    zhang = customers["zhang"]
    client.force_login(users[user_key])
    for typed in ({"phone": "13800138000"}, {"email": "zhang.wei@example.cn"}, {"national_id": "11010519491231002X"}):
        warning = client.post(reverse("customers:duplicates"), typed).content.decode()
        visible = Customer.objects.restrict(User.objects.get(pk=users[user_key].pk)).filter(pk=zhang.pk).exists()
        assert (reverse("customers:detail", args=[zhang.pk]) in warning) == visible, (user_key, typed)
    half_typed = client.post(reverse("customers:duplicates"), {"phone": "1380013"}).content.decode()
    assert "张伟" not in half_typed
    assert client.get(reverse("customers:duplicates"), {"phone": "13800138000"}).status_code == 405  # not in URLs


@override_settings(GUANXI_ID_LOOKUPS_PER_HOUR=2)
def test_the_duplicate_check_spends_an_id_number_once_and_keeps_warning_past_the_limit(client, users, customers):
    """The form asks again whenever another field changes; each ask once counted as a search by ID
    number, and past the hourly limit the check answered 500 and stopped warning even of phones."""
    from guanxi.customers.models import GuardedLookup

    client.force_login(users[Role.AGENT])
    same = {"national_id": "11010519491231002X"}
    for extra in ({}, {"phone": "13900139000"}, {"email": "x@example.cn"}):
        assert "张伟" in client.post(reverse("customers:duplicates"), {**same, **extra}).content.decode()
    assert GuardedLookup.objects.filter(user=users[Role.AGENT]).count() == 1
    client.post(reverse("customers:duplicates"), {"national_id": "110105194912310038"})
    past_limit = client.post(reverse("customers:duplicates"), {"national_id": "110105195001010012",
                                                              "phone": "13900139000"}, HTTP_ACCEPT_LANGUAGE="en")
    text = past_limit.content.decode()
    assert past_limit.status_code == 200 and "李娜" in text and "the most allowed" in text


def test_registering_a_car_returns_to_the_customers_360_page(client, users, customers):
    from tests.customers.test_views import valid_vin

    li, vin = customers["li"], valid_vin(4242)
    client.force_login(users[Role.ADMIN])
    response = client.post(reverse("customers:vehicle_add", args=[li.pk]),
                           {"vin": vin, "model": "朗逸 Lavida", "model_year": 2024, "plate": "", "purchase_date": "",
                            "warranty_end": "", "mileage_km": "0", "price": ""})
    assert response.status_code == 302 and response.url == reverse("customers:detail", args=[li.pk])
    assert vin in client.get(response.url).content.decode()


# --- lifecycle stage and concurrent edits ------------------------------------------------------------


class TestCustomerStagePageIsolation(PageIsolation):
    model = Customer
    edit_url = "customers:stage"

    @staticmethod
    def objects(customers):
        return list(customers.values())


def test_a_stage_change_needs_a_reason_which_the_history_keeps(client, users, customers):
    zhang = customers["zhang"]
    client.force_login(users[Role.DEALER_SALES])
    page = client.get(reverse("customers:detail", args=[zhang.pk])).content.decode()
    assert reverse("customers:stage", args=[zhang.pk]) in page
    url = reverse("customers:stage", args=[zhang.pk])
    refused = client.post(url, {"lifecycle_stage": "churned", "reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422 and "reason" in refused.context["form"].errors
    same = client.post(url, {"lifecycle_stage": zhang.lifecycle_stage, "reason": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "already" in " ".join(same.context["form"].errors["lifecycle_stage"])
    assert client.post(url, {"lifecycle_stage": "churned", "reason": "Bought a competitor's car"}).status_code == 302
    zhang.refresh_from_db()
    change = zhang.stage_changes.first()
    assert (zhang.lifecycle_stage, change.reason) == ("churned", "Bought a competitor's car")
    assert change.changed_by == users[Role.DEALER_SALES]
    assert "Bought a competitor&#x27;s car" in client.get(reverse("customers:detail", args=[zhang.pk])).content.decode()


def test_a_stage_set_on_selected_customers_needs_a_reason_kept_for_each(client, users, customers):
    zhang = customers["zhang"]
    second = services.create_customer(users[Role.DEALER_MANAGER], {"name": "第二位"})
    client.force_login(users[Role.DEALER_MANAGER])
    selected = {"pk": [zhang.pk, second.pk], "apply": "1", "lifecycle_stage": "lapsed"}
    refused = client.post(reverse("customers:bulk_edit"), selected, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422 and "stage_reason" in refused.context["form"].errors
    assert not Customer.objects.filter(lifecycle_stage="lapsed").exists()
    done = client.post(reverse("customers:bulk_edit"), {**selected, "stage_reason": "No visit for 3 years"})
    assert done.status_code == 302
    for customer in (zhang, second):
        change = customer.stage_changes.first()
        assert (change.to_stage, change.reason) == ("lapsed", "No visit for 3 years")


def test_the_second_of_two_users_editing_a_customer_is_told_and_overwrites_only_knowingly(client, users, customers):
    zhang = customers["zhang"]
    url = reverse("customers:edit", args=[zhang.pk])
    first, second = users[Role.DEALER_SALES], users[Role.DEALER_MANAGER]
    client.force_login(second)
    opened_by_second = client.get(url).context["version"]
    client.force_login(first)
    data = form(name="张伟", home_dealer=zhang.home_dealer_id, city="上海", version=client.get(url).context["version"])
    assert client.post(url, {**data, "tier": "gold"}).status_code == 302
    client.force_login(second)
    late = {**data, "tier": "silver", "city": "苏州", "version": opened_by_second}
    refused = client.post(url, late, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422
    message = " ".join(refused.context["form"].non_field_errors())
    assert "after you opened it" in message and (first.get_full_name() or first.username) in message
    assert refused.context["form"]["city"].value() == "苏州"  # what was typed stays
    zhang.refresh_from_db()
    assert (zhang.tier, zhang.city) == ("gold", "上海")  # the first save stands
    again = client.post(url, {**late, "version": refused.context["version"]})
    assert again.status_code == 302
    zhang.refresh_from_db()
    assert (zhang.tier, zhang.city) == ("silver", "苏州")


# --- changing a cell of a list in place ---------------------------------------------------------------


class TestCustomerTierPageIsolation(PageIsolation):
    model = Customer
    edit_url = "customers:tier"

    @staticmethod
    def objects(customers):
        return list(customers.values())


HTMX = {"HTTP_HX_REQUEST": "true"}


def test_a_dealer_changes_a_tier_in_the_list_without_leaving_it(client, users, customers):
    zhang = customers["zhang"]
    url = reverse("customers:tier", args=[zhang.pk])
    client.force_login(users[Role.DEALER_SALES])
    listing = client.get(reverse("customers:list")).content.decode()
    assert f'hx-get="{url}"' in listing
    editor = client.get(url, **HTMX).content.decode()
    assert editor.startswith("<form") and 'name="tier"' in editor and 'name="version"' in editor
    version = client.get(url, **HTMX).context["version"]
    refused = client.post(url, {"tier": "platinum", "version": version}, HTTP_ACCEPT_LANGUAGE="en", **HTMX)
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()  # htmx swaps 2xx only
    zhang.refresh_from_db()
    assert zhang.tier == "standard"
    saved = client.post(url, {"tier": "gold", "version": version}, **HTMX)
    assert saved.status_code == 200 and "badge-tier-gold" in saved.content.decode()
    assert saved.content.decode().startswith('<button type="button" class="inline-edit"')
    zhang.refresh_from_db()
    assert zhang.tier == "gold"
    stale = client.post(url, {"tier": "vip", "version": version}, HTTP_ACCEPT_LANGUAGE="en", **HTMX)
    assert "after you opened it" in stale.content.decode()
    assert "badge-tier-gold" in client.get(url, {"cancel": "1"}, **HTMX).content.decode()


def test_roles_that_may_not_change_customers_see_a_plain_tier(client, users, customers):
    client.force_login(users[Role.ANALYST])
    listing = client.get(reverse("customers:list")).content.decode()
    assert "badge-tier-standard" in listing and "inline-edit" not in listing


def test_a_referral_names_who_sent_the_customer_and_both_360_pages_show_it(client, users, customers):
    zhang = customers["zhang"]
    client.force_login(users[Role.DEALER_SALES])
    response = client.post(reverse("customers:add"), form(name="吴磊", source="referral", referred_by=zhang.pk))
    friend = Customer.objects.get(name="吴磊")
    assert response.status_code == 302 and friend.referred_by == zhang
    page = client.get(friend.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'referred by <a href="{zhang.get_absolute_url()}">张伟</a>' in page
    page = client.get(zhang.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<dt>Referred</dt>" in page and f'<a href="{friend.get_absolute_url()}">吴磊</a>' in page
    edit = client.get(reverse("customers:edit", args=[friend.pk]))
    assert edit.context["form"]["referred_by"].value() == zhang.pk
    services.erase_customer(users[Role.ADMIN], friend.pk)  # who sent them is a tie to a person: it goes too
    friend.refresh_from_db()
    assert friend.referred_by is None


def test_a_referrer_the_user_may_not_see_or_the_customer_themselves_is_refused(client, users, customers):
    zhang, wang = customers["zhang"], customers["wang"]  # wang is a Guangzhou dealer's customer
    client.force_login(users[Role.DEALER_SALES])
    response = client.post(reverse("customers:add"), form(name="郑爽", referred_by=wang.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert f"No customer number {wang.pk} that you may see" in " ".join(response.context["form"].errors["referred_by"])
    assert not Customer.objects.filter(name="郑爽").exists()
    data = form(name="张伟", home_dealer=zhang.home_dealer_id, referred_by=zhang.pk)
    response = client.post(reverse("customers:edit", args=[zhang.pk]), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422 and "cannot have referred themselves" in response.content.decode()
    zhang.refresh_from_db()
    assert zhang.referred_by is None


def test_the_api_sets_and_clears_who_referred_a_customer_in_scope_only(client, users, customers):
    zhang, li, wang = customers["zhang"], customers["li"], customers["wang"]
    client.force_login(users[Role.ADMIN])
    changed = client.patch(f"/api/customers/{li.pk}", {"referred_by_id": zhang.pk}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["referred_by_id"] == zhang.pk
    client.force_login(users["region_manager"])  # East: sees zhang and li, not wang (Guangzhou)
    refused = client.patch(f"/api/customers/{zhang.pk}", {"referred_by_id": wang.pk}, content_type="application/json")
    assert refused.status_code == 422 and "referred_by_id" in refused.content.decode()
    cleared = client.patch(f"/api/customers/{li.pk}", {"referred_by_id": None}, content_type="application/json")
    assert cleared.status_code == 200 and cleared.json()["referred_by_id"] is None


def test_a_referrer_out_of_sight_or_erased_since_is_neither_shown_nor_lost_when_the_customer_is_edited(
        client, users, customers):
    zhang, wang = customers["zhang"], customers["wang"]  # wang is a Guangzhou dealer's customer
    admin = users[Role.ADMIN]
    services.update_customer(admin, zhang.pk, {"referred_by_id": wang.pk})
    client.force_login(users[Role.DEALER_SALES])
    edit = client.get(reverse("customers:edit", args=[zhang.pk]))
    assert "referred_by" not in edit.context["form"].fields and str(wang.pk) not in edit.context["form"].as_p()
    data = {key: value for key, value in form(name="张伟", home_dealer=zhang.home_dealer_id).items()
            if key != "referred_by"}
    assert client.post(reverse("customers:edit", args=[zhang.pk]), data).status_code == 302
    zhang.refresh_from_db()
    assert zhang.referred_by_id == wang.pk
    services.erase_customer(admin, wang.pk)
    client.force_login(admin)  # sees everyone: the erased referrer stays as it was when the rest is edited
    data = form(name="张伟", home_dealer=zhang.home_dealer_id, referred_by=wang.pk, city="上海")
    assert client.post(reverse("customers:edit", args=[zhang.pk]), data).status_code == 302
    zhang.refresh_from_db()
    assert (zhang.referred_by_id, zhang.city) == (wang.pk, "上海")
    page = client.get(zhang.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "referred by" not in page  # nor named on the 360 page, as the API answers null for it


def test_the_referrer_is_shown_however_many_the_customer_referred(client, users, customers):
    zhang, li = customers["zhang"], customers["li"]
    admin = users[Role.ADMIN]
    services.update_customer(admin, li.pk, {"referred_by_id": zhang.pk})
    for number in range(14):
        services.create_customer(admin, {"name": f"朋友{number}", "home_dealer_id": li.home_dealer_id,
                                         "source": "referral", "referred_by_id": li.pk})
    client.force_login(admin)
    page = client.get(li.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'referred by <a href="{zhang.get_absolute_url()}">张伟</a>' in page
    assert page.count("朋友") == 12  # the newest twelve listed


def test_the_evaluation_counts_only_the_referrals_the_reader_may_see(client, users, customers):
    zhang, wang = customers["zhang"], customers["wang"]
    services.update_customer(users[Role.ADMIN], wang.pk, {"referred_by_id": zhang.pk})  # across regions
    run = ScoringRun.objects.create(model=ScoreModel.EVALUATION, version="test", as_of=dt.date(2026, 11, 1),
                                    state=ScoringRun.State.PUBLISHED)
    Score.objects.create(run=run, customer=zhang, value=62.5, label="b", reasons=[
        ["profit", 70], ["loyalty", 50], ["potential", 60], ["influence", 100], ["cars_bought", 1],
        ["service_visits_2y", 2], ["referrals", 1]])

    def card(user):
        client.force_login(user)
        return client.get(zhang.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "B · 62 of 100" in card(users[Role.ADMIN]) and "referred 1 customer<" in card(users[Role.ADMIN])
    assert "referred 0 customers" in card(users[Role.DEALER_SALES])  # Guangzhou's customer is not theirs to know
