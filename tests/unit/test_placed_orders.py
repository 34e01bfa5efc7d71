"""An order the API just accepted reads as PLACED at once, before its saga first records it."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from api.just_placed import JustPlaced
from api.temporal_gateway import TemporalOrderGateway
from domain.commands import PlaceOrder
from domain.events import OrderConfirmed, OrderPlaced
from domain.menu import Size
from domain.order import Customer, OrderItem, OrderStatus
from services.container import Services
from services.messages import OrderSnapshot, RecordEvents
from workflows.contracts import Slas

ITEMS = [OrderItem(pizza="margherita", size=Size.LARGE, quantity=2)]
AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CUSTOMER = Customer(id="cust-9", name="Gina", phone="+39 055 765 4321", email="g@example.com")


def order(order_id: str = "o1") -> PlaceOrder:
    return PlaceOrder(
        order_id=order_id, customer=CUSTOMER, items=ITEMS, delivery_address="Via Larga 5"
    )


def recorded(order_id: str) -> RecordEvents:
    snapshot = OrderSnapshot(
        order_id=order_id,
        status=OrderStatus.CONFIRMED,
        customer_id="cust-9",
        total=Decimal("27.00"),
        items=ITEMS,
    )
    placed = OrderPlaced(
        event_id=uuid4(),
        order_id=order_id,
        occurred_at=AT,
        customer_id="cust-9",
        items=ITEMS,
        total=snapshot.total,
    )
    confirmed = OrderConfirmed(
        event_id=uuid4(), order_id=order_id, occurred_at=AT, ticket_id="t1", total=snapshot.total
    )
    return RecordEvents(snapshot=snapshot, events=[placed, confirmed], version=2)


class StartOnlyClient:
    """A Temporal client that accepts a start and refuses everything else."""

    def __init__(self) -> None:
        self.started: list[str] = []

    async def start_workflow(self, *_: Any, id: str, **__: Any) -> None:
        self.started.append(id)

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a read asked the workflow ({name})")


def gateway_on(services: Services) -> tuple[TemporalOrderGateway, StartOnlyClient]:
    client = StartOnlyClient()
    return TemporalOrderGateway(client, Slas(), services.orders), client  # type: ignore[arg-type]


async def test_a_just_placed_order_reads_as_placed_without_asking_its_workflow(
    services: Services,
) -> None:
    gateway, client = gateway_on(services)

    await gateway.place(order("o7"))
    view = await gateway.view("o7")

    assert client.started == ["order-o7"]
    assert view is not None
    assert (view.status, view.customer_id, view.total) == (OrderStatus.PLACED, "cust-9", 27)
    assert view.timeline == [] and view.contact is not None
    assert view.contact.delivery_address == "Via Larga 5"


async def test_once_the_saga_recorded_the_order_the_read_model_answers(services: Services) -> None:
    gateway, _ = gateway_on(services)
    await gateway.place(order("o7"))

    await services.orders.record(recorded("o7"))
    view = await gateway.view("o7")

    assert view is not None and view.status == OrderStatus.CONFIRMED
    assert [entry.type for entry in view.timeline] == ["OrderPlaced", "OrderConfirmed"]


async def test_an_order_placed_elsewhere_is_not_invented(services: Services) -> None:
    gateway, _ = gateway_on(services)

    assert await gateway.view("placed-on-another-replica") is None


def test_an_order_is_remembered_for_a_while_only() -> None:
    memory = JustPlaced(remember_seconds=0.0)
    memory.add(order("o1"))
    memory.add(order("o2"))  # adding prunes what is past its time

    assert memory.view("o1") is None and memory.view("o2") is None
    assert JustPlaced().view("o1") is None
