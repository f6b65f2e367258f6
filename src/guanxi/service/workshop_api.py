"""The workshop API: work orders (opened by VIN or from a ticket, with the payer decided), their
labour, parts and steps; service contracts, the parts catalog and the stations' stock. Every
action reads its record through the scoping layer and goes through the services."""

from ninja import Router

from guanxi.core.api_crud import ModelApi
from guanxi.core.scoping import get_restricted
from guanxi.service import stock, workshop
from guanxi.service.filtersets import ContractFilterSet, PartFilterSet, StockFilterSet, WorkOrderFilterSet
from guanxi.service.models import Part, ServiceContract, Stock, WorkOrder
from guanxi.service.schemas import (
    CancelIn,
    CompleteIn,
    ContractOut,
    JobIn,
    PartIn,
    PartOut,
    ReceiveIn,
    StockOut,
    TransferIn,
    WorkOrderIn,
    WorkOrderOut,
)

router = Router(tags=["service"])


class WorkOrderApi(ModelApi):
    model = WorkOrder
    path = "work-orders"
    schema = WorkOrderOut
    tags = ["service"]
    filterset_class = WorkOrderFilterSet
    create_schema = WorkOrderIn
    scope_field = "station_id"

    def create(self, user, data, parent_pk):
        return workshop.open_work_order(user, data)


class ContractApi(ModelApi):
    model = ServiceContract
    path = "service-contracts"
    schema = ContractOut
    tags = ["service"]
    filterset_class = ContractFilterSet


class StockApi(ModelApi):
    model = Stock
    path = "stock"
    schema = StockOut
    tags = ["service"]
    filterset_class = StockFilterSet


class PartApi(ModelApi):
    """The network's parts catalog, in pages like every list (it has thousands of part numbers)."""

    model = Part
    path = "parts"
    schema = PartOut
    tags = ["service"]
    filterset_class = PartFilterSet
    ordering = ("code", "id")


for declaration in (WorkOrderApi(), ContractApi(), StockApi(), PartApi()):
    declaration.register(router)


@router.post("/work-orders/{pk}/jobs", response=WorkOrderOut)
def add_job(request, pk: int, payload: JobIn):
    """Labour: a labour code, hours and (else the standard) rate."""
    return workshop.add_job(request.user, pk, payload.model_dump())


@router.post("/work-orders/{pk}/parts", response=WorkOrderOut)
def add_part(request, pk: int, payload: PartIn):
    """Reserves the part at the station; 422 naming `quantity` when too few are free."""
    return workshop.add_part(request.user, pk, payload.part_id, payload.quantity)


@router.delete("/work-orders/{pk}/parts/{line_id}", response=WorkOrderOut)
def remove_part(request, pk: int, line_id: int):
    return workshop.remove_part(request.user, pk, line_id)


@router.post("/work-orders/{pk}/start", response=WorkOrderOut)
def start_work(request, pk: int):
    return workshop.start(request.user, pk)


@router.post("/work-orders/{pk}/complete", response=WorkOrderOut)
def complete_work(request, pk: int, payload: CompleteIn):
    """The work is done: reserved parts are used, totals fixed."""
    return workshop.complete(request.user, pk, payload.diagnosis)


@router.post("/work-orders/{pk}/close", response=WorkOrderOut)
def close_work(request, pk: int):
    """The car is back with the customer; the ticket it came from is resolved."""
    return workshop.close(request.user, pk)


@router.post("/work-orders/{pk}/cancel", response=WorkOrderOut)
def cancel_work(request, pk: int, payload: CancelIn):
    return workshop.cancel(request.user, pk, payload.reason)


@router.post("/stock/{pk}/receive", response=StockOut)
def receive_stock(request, pk: int, payload: ReceiveIn):
    row = get_restricted(request.user, Stock, pk, "change")
    return stock.receive(request.user, row, payload.quantity, payload.note)


@router.post("/stock/{pk}/transfer", response=StockOut)
def transfer_stock(request, pk: int, payload: TransferIn):
    """Free stock to another station; 422 naming `quantity` when too few are free."""
    row = get_restricted(request.user, Stock, pk, "change")
    return stock.transfer(request.user, row, payload.to_station_id, payload.quantity)
