"""Domain services: validation before any write, stage history, vehicle transfers, lookup, deletion and erasure."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from guanxi.core.audit import audit_context, channel_of
from guanxi.core.roles import Role
from guanxi.customers import services
from guanxi.customers.models import ContactPoint, Customer, Interaction, Ownership, StageChange, Vehicle


def test_bad_fields_are_named_and_nothing_is_written(users, customers):
    before = (Customer.objects.count(), ContactPoint.objects.count())
    with pytest.raises(ValidationError) as err:
        services.create_customer(
            users[Role.ADMIN],
            {"name": "赵敏", "national_id": "110105194912310021", "birth_date": dt.date(2999, 1, 1)},
            [{"kind": "phone", "value": "12"}, {"kind": "email", "value": "zhao@"}],
        )
    assert set(err.value.message_dict) == {"national_id", "birth_date", "contacts[0].value", "contacts[1].value"}
    assert (Customer.objects.count(), ContactPoint.objects.count()) == before


def test_national_id_is_stored_only_hashed_and_masked(customers):
    zhang = Customer.objects.get(pk=customers["zhang"].pk)
    assert zhang.national_id_masked == "****************2X"
    stored = " ".join(str(v) for v in Customer.objects.filter(pk=zhang.pk).values().first().values())
    assert "11010519491231002X" not in stored


def test_dealer_users_create_customers_for_their_own_dealer_only(users, org):
    sales = users[Role.DEALER_SALES]
    mine = services.create_customer(sales, {"name": "陈静"})
    assert mine.home_dealer == org["D-SH1"]
    with pytest.raises(ValidationError) as err:
        services.create_customer(sales, {"name": "陈静", "home_dealer_id": org["D-GZ1"].pk})
    assert "home_dealer_id" in err.value.message_dict


def test_stage_changes_keep_their_history(users, customers):
    zhang = customers["zhang"]
    with audit_context(users[Role.DEALER_SALES], channel="ui"):
        services.update_customer(users[Role.DEALER_SALES], zhang.pk, {"lifecycle_stage": "opportunity"})
    assert StageChange.objects.filter(customer=zhang).latest("pk").channel == "ui"
    stage_entry = LogEntry.objects.get_for_object(zhang).latest("pk")
    assert stage_entry.changes_dict["lifecycle_stage"] == ["prospect", "opportunity"]
    services.update_customer(users[Role.DEALER_SALES], zhang.pk, {"lifecycle_stage": "contracted"})
    history = list(StageChange.objects.filter(customer=zhang).order_by("pk").values_list("from_stage", "to_stage"))
    assert history == [("", "prospect"), ("prospect", "opportunity"), ("opportunity", "contracted")]
    with pytest.raises(ValidationError) as err:
        services.update_customer(users[Role.DEALER_SALES], zhang.pk, {"lifecycle_stage": "happy"})
    assert "lifecycle_stage" in err.value.message_dict


def test_trade_in_moves_the_vehicle_and_keeps_its_history(users, customers):
    admin = users[Role.ADMIN]
    services.add_vehicle(
        admin, customers["wang"].pk, {"vin": "LSVAU218XN2183294", "purchase_date": dt.date(2025, 9, 1)}
    )
    owners = list(
        Ownership.objects.filter(vehicle__vin="LSVAU218XN2183294")
        .order_by("start_date")
        .values_list("customer__name", "end_date")
    )
    assert owners == [("张伟", dt.date(2025, 9, 1)), ("王芳", None)]


def test_lookup_finds_by_every_key_and_respects_scope(users, customers):
    agent = users[Role.AGENT]
    for query in [
        "138 0013 8000",
        "+8613800138000",
        "ZHANG.WEI@example.cn",
        "沪A·12345",
        "LSVAU218XN2183294",
        "11010519491231002X",
        "张",
    ]:
        assert [c.name for c in services.lookup(agent, query)] == ["张伟"], query
    assert list(services.lookup(users["other_dealer"], "138 0013 8000")) == []


def test_other_dealers_customer_is_not_found(users, customers):
    with pytest.raises(Http404):
        services.get_customer(users["other_dealer"], customers["zhang"].pk)


def test_customer_with_history_cannot_be_deleted_but_can_be_erased(users, customers):
    admin = users[Role.ADMIN]
    zhang = customers["zhang"]
    with pytest.raises(ValidationError):
        services.delete_customer(admin, zhang.pk)
    services.add_interaction(
        admin,
        zhang.pk,
        {"channel": "phone", "direction": "in", "subject": "张伟来电", "summary": "Zhang Wei at 138 0013 8000"},
    )
    with audit_context(admin, channel="ui"):
        services.update_customer(admin, zhang.pk, {"name_latin": "Zhang Wei"})
        services.erase_customer(admin, zhang.pk)
    assert not zhang.interactions.filter(summary__contains="Zhang").exists()
    assert not zhang.interactions.filter(subject__contains="张伟").exists()
    assert not LogEntry.objects.filter(changes_text__contains="Zhang").exists()
    assert not any("138 0013 8000" in str(e.changes) for e in LogEntry.objects.all())
    zhang.refresh_from_db()
    assert zhang.name == services.ERASED_NAME and zhang.name_latin == "" and zhang.national_id_masked == ""
    assert not zhang.contact_points.exists()
    entries = LogEntry.objects.get_for_object(zhang)
    assert entries.exists()
    assert not any("Zhang Wei" in str(e.changes) or "张伟" in e.object_repr for e in entries)
    assert {channel_of(e) for e in entries.filter(actor=admin)} == {"ui"}


def test_customer_without_history_can_be_deleted(users, customers):
    services.delete_customer(users[Role.ADMIN], customers["wang"].pk)
    assert not Customer.objects.filter(pk=customers["wang"].pk).exists()


def test_changes_are_audited_with_actor_and_channel(users, customers):
    sales = users[Role.DEALER_SALES]
    with audit_context(sales, channel="import"):
        services.update_customer(sales, customers["zhang"].pk, {"city": "上海"})
    entry = LogEntry.objects.get_for_object(customers["zhang"]).latest("timestamp")
    assert entry.actor == sales and channel_of(entry) == "import"
    assert entry.changes_dict["city"][1] == "上海"


def test_erasure_is_only_for_administrators_and_supervisors(users, customers):
    for role in (Role.AGENT, Role.DEALER_SALES, Role.HQ_SALES):
        with pytest.raises(PermissionDenied):
            services.erase_customer(users[role], customers["zhang"].pk)
    services.erase_customer(users[Role.SUPERVISOR], customers["zhang"].pk)


def test_a_dealer_cannot_take_another_dealers_customers_car_by_its_vin(users, customers):
    with pytest.raises(ValidationError) as err:
        services.add_vehicle(users["other_dealer"], customers["wang"].pk, {"vin": "LSVAU218XN2183294"})
    assert "vin" in err.value.message_dict and "沪A12345" not in str(err.value)
    assert Ownership.objects.get(vehicle__vin="LSVAU218XN2183294", end_date=None).customer == customers["zhang"]


def test_servicing_a_car_lets_a_dealer_read_its_owner_but_not_change_it(users, customers, org):
    li_car = Vehicle.objects.get(vin="LSVCC6A48PN000007")
    li_car.service_unit = org["D-SH1"]
    li_car.save()
    sales = users[Role.DEALER_SALES]
    assert services.get_customer(sales, customers["li"].pk).name == "李娜"
    with pytest.raises(Http404):
        services.update_customer(sales, customers["li"].pk, {"home_dealer_id": org["D-SH1"].pk})
    assert Customer.objects.get(pk=customers["li"].pk).home_dealer == org["D-SH2"]


def test_a_service_station_sees_its_own_work_not_the_sales_talk(users, customers):
    admin, advisor = users[Role.ADMIN], users[Role.SERVICE_ADVISOR]
    services.add_interaction(admin, customers["li"].pk, {"channel": "visit", "direction": "in", "subject": "议价"})
    services.add_interaction(advisor, customers["li"].pk, {"channel": "visit", "direction": "in", "subject": "保养"})
    visible = Interaction.objects.restrict(advisor).filter(customer=customers["li"])
    assert list(visible.values_list("subject", flat=True)) == ["保养"]


def test_a_resold_car_leaves_the_selling_dealers_sight(users, customers):
    services.add_vehicle(
        users[Role.ADMIN], customers["wang"].pk, {"vin": "LSVAU218XN2183294", "purchase_date": dt.date(2026, 1, 5)}
    )
    assert not Vehicle.objects.restrict(users[Role.DEALER_SALES]).filter(vin="LSVAU218XN2183294").exists()
    assert Vehicle.objects.restrict(users["other_dealer"]).filter(vin="LSVAU218XN2183294").exists()


def test_an_ownership_cannot_end_before_it_began(users, customers):
    with pytest.raises(ValidationError) as err:
        services.add_vehicle(
            users[Role.ADMIN], customers["wang"].pk, {"vin": "LSVAU218XN2183294", "purchase_date": dt.date(2020, 1, 1)}
        )
    assert "purchase_date" in err.value.message_dict


def test_the_fast_lookup_for_the_call_center_returns_what_the_scoped_lookup_returns(users, customers):
    columns = ("id", "name", "tier", "lifecycle_stage", "home_dealer_id")
    for who in (Role.AGENT, Role.ADMIN, Role.DEALER_SALES, "other_dealer", "no_role"):
        for query in ["138 0013 8000", "+8613900139000", "Zhang.Wei@example.cn", "沪A12345", "张", "13600000000"]:
            expected = list(services.lookup(users[who], query).values(*columns))
            assert services.lookup_rows(users[who], query, columns) == expected, (who, query)


def test_new_customers_take_the_configured_currency(users, settings):
    settings.GUANXI_CURRENCY = "EUR"
    customer = services.create_customer(users["admin"], {"name": "Anna"})
    assert customer.currency == "EUR"
