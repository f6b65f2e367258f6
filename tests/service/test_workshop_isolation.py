"""Every workshop page and endpoint answers what the scoping layer allows, role by role: a station
sees its own work orders and stock, never another's; a dealer's sales people never see work
orders; the parts catalog is one for the network."""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from guanxi.core.models import OrgUnit, User
from guanxi.core.roles import Role
from guanxi.service import workshop_api
from guanxi.service.models import Part, ServiceContract, Stock, WorkOrder, WorkOrderStatus
from tests.conftest import shared_people
from tests.isolation import (
    USER_KEYS,
    AddPageIsolation,
    ApiIsolation,
    ListPageIsolation,
    expected,
)

pytestmark = pytest.mark.django_db
people, org, users, customers = shared_people()


def _car(customer):
    return customer.ownerships.get().vehicle


def work_orders(customers) -> list[WorkOrder]:
    """One at the station S-SH, one at the dealer D-SH1's workshop, one closed at D-GZ1."""
    if WorkOrder.objects.exists():
        return list(WorkOrder.objects.order_by("pk"))
    unit = {code: OrgUnit.objects.get(code=code) for code in ("S-SH", "D-SH1", "D-GZ1")}
    made = [
        WorkOrder(station=unit["S-SH"], customer=customers["li"], vehicle=_car(customers["li"]), mileage_km=10,
                  complaint="Noise"),
        WorkOrder(station=unit["D-SH1"], customer=customers["zhang"], vehicle=_car(customers["zhang"]),
                  mileage_km=20, complaint="Service", status=WorkOrderStatus.IN_PROGRESS),
        WorkOrder(station=unit["D-GZ1"], customer=customers["zhang"], vehicle=_car(customers["zhang"]),
                  mileage_km=30, complaint="Tyres", status=WorkOrderStatus.CLOSED),
    ]
    return WorkOrder.objects.bulk_create(made)


def contracts(customers) -> list[ServiceContract]:
    if ServiceContract.objects.exists():
        return list(ServiceContract.objects.order_by("pk"))
    made = [ServiceContract(number=f"C-{code}", kind="maintenance", customer=customer, vehicle=_car(customer),
                            sold_by=OrgUnit.objects.get(code=code), starts=dt.date(2026, 1, 1),
                            ends=dt.date(2028, 1, 1), visits=4)
            for code, customer in (("S-SH", customers["li"]), ("D-SH1", customers["zhang"]))]
    return ServiceContract.objects.bulk_create(made)


def stock_rows(customers) -> list[Stock]:
    if not Stock.objects.exists():
        part = Part.objects.get(code="06L115562")
        for code in ("S-SH", "D-SH1", "D-GZ1"):
            Stock.objects.create(station=OrgUnit.objects.get(code=code), part=part, on_hand=5)
    return list(Stock.objects.order_by("pk"))


class TestWorkOrderPages(AddPageIsolation):
    model = WorkOrder
    add_url, detail_url = "service:work_order_add", "service:work_order"
    objects = staticmethod(work_orders)


class TestWorkOrderList(ListPageIsolation):
    model, list_url = WorkOrder, "service:work_orders"

    @staticmethod
    def prepare(users, customers):
        work_orders(customers)


class TestWorkOrderApiIsolation(ApiIsolation):
    api = workshop_api.WorkOrderApi()
    create_body = {"vin": "LSVCC6A48PN000007", "mileage_km": 1000, "complaint": "Check engine light"}

    @staticmethod
    def prepare(users, customers):
        work_orders(customers)


class TestContractPages(AddPageIsolation):
    model = ServiceContract
    add_url, detail_url, edit_url = "service:contract_add", "service:contract", "service:contract_edit"
    objects = staticmethod(contracts)


class TestContractList(ListPageIsolation):
    model, list_url = ServiceContract, "service:contracts"

    @staticmethod
    def prepare(users, customers):
        contracts(customers)


class TestContractApiIsolation(ApiIsolation):
    api = workshop_api.ContractApi()

    @staticmethod
    def prepare(users, customers):
        contracts(customers)


class TestPartPages(AddPageIsolation):
    model = Part
    add_url, edit_url = "service:part_add", "service:part_edit"

    @staticmethod
    def objects(customers):
        return list(Part.objects.order_by("pk")[:2])


class TestPartApiIsolation(ApiIsolation):
    api = workshop_api.PartApi()


class TestPartList(ListPageIsolation):
    model, list_url = Part, "service:parts"


class TestStockPages(AddPageIsolation):
    model = Stock
    add_url, detail_url = "service:stock_add", "service:stock_item"
    objects = staticmethod(stock_rows)


class TestStockList(ListPageIsolation):
    model, list_url = Stock, "service:stock"

    @staticmethod
    def prepare(users, customers):
        stock_rows(customers)


class TestStockApiIsolation(ApiIsolation):
    api = workshop_api.StockApi()

    @staticmethod
    def prepare(users, customers):
        stock_rows(customers)


WORK_STEPS = [("jobs", "job", {"labour_code": "01", "description": "d", "hours": "1"}),
              ("parts", "part", {"part_id": None, "part": None, "quantity": 1}),
              ("start", "start", {}), ("complete", "complete", {"diagnosis": "done"}),
              ("close", "close", {}), ("cancel", "cancel", {"reason": "left"})]


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_work_order_and_stock_steps_answer_what_the_scope_allows_and_refusals_change_nothing(
        client, users, customers, user_key):
    rows, shelves = work_orders(customers), stock_rows(customers)
    part = Part.objects.get(code="06L115562")
    client.force_login(users[user_key])
    fresh = User.objects.get(pk=users[user_key].pk)
    def snapshot():
        return list(WorkOrder.objects.order_by("pk").values()), list(Stock.objects.order_by("pk").values())

    before = snapshot()

    def refused_wrote_nothing(answer, step):
        if answer.status_code >= 400:
            assert snapshot() == before, (step, answer.status_code)
    for order in rows:
        wanted = expected(fresh, WorkOrder, order, "change")
        for api_step, page_step, body in WORK_STEPS:
            body = {**body, **({"part_id": part.pk, "part": part.pk} if "part" in body else {})}
            with transaction.atomic():
                answer = client.post(f"/api/work-orders/{order.pk}/{api_step}", body, content_type="application/json")
                refused_wrote_nothing(answer, api_step)
                transaction.set_rollback(True)
            with transaction.atomic():
                page = client.post(reverse("service:work_order_step", args=[order.pk, page_step]), body)
                refused_wrote_nothing(page, page_step)
                transaction.set_rollback(True)
            assert answer.status_code in ({200, 422} if wanted == 200 else {wanted}), (api_step, order, answer.content)
            assert page.status_code in ({302, 422} if wanted == 200 else {wanted}), (page_step, order)
        with transaction.atomic():
            removal = client.delete(f"/api/work-orders/{order.pk}/parts/999999")
            transaction.set_rollback(True)
        assert removal.status_code in ({422} if wanted == 200 else {wanted})
    target = OrgUnit.objects.get(code="D-SH2")
    for shelf in shelves:
        wanted = expected(fresh, Stock, shelf, "change")
        for step, body in (("receive", {"quantity": 2}), ("transfer", {"to_station_id": target.pk, "quantity": 1})):
            with transaction.atomic():
                answer = client.post(f"/api/stock/{shelf.pk}/{step}", body, content_type="application/json")
                refused_wrote_nothing(answer, step)
                transaction.set_rollback(True)
            assert answer.status_code == wanted, (step, shelf, answer.content)
        for step, body in (("receive", {"quantity": 2}), ("transfer", {"to_station": target.pk, "quantity": 1}),
                           ("reorder", {"reorder_level": 3})):
            with transaction.atomic():
                page = client.post(reverse("service:stock_step", args=[shelf.pk, step]), body)
                refused_wrote_nothing(page, step)
                transaction.set_rollback(True)
            assert page.status_code in ({302} if wanted == 200 else {wanted}), (step, shelf)
    assert snapshot() == before


def test_a_dealers_sales_people_see_no_work_orders_and_a_station_only_its_own(client, users, customers):
    work_orders(customers)
    seen = {}
    for key in (Role.DEALER_SALES, Role.DEALER_MANAGER, Role.SERVICE_ADVISOR, "other_dealer", Role.ADMIN):
        client.force_login(users[key])
        seen[key] = {row["complaint"] for row in client.get("/api/work-orders").json()["results"]}
    assert seen[Role.DEALER_SALES] == seen["other_dealer"] == set()  # no role to see work orders
    assert seen[Role.DEALER_MANAGER] == {"Service"}
    assert seen[Role.SERVICE_ADVISOR] == {"Noise"}
    assert seen[Role.ADMIN] == {"Noise", "Service", "Tyres"}
