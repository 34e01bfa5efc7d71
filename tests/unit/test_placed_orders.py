"""An accepted order is in the read model at once, before its saga first records it."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

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


def first_record(order_id: str, status: OrderStatus = OrderStatus.PLACED) -> RecordEvents:
    snapshot = OrderSnapshot(
        order_id=order_id, status=status, customer_id="cust-9", total=Decimal("27.00"), items=ITEMS
    )
    event = OrderPlaced(
        event_id=uuid4(),
        order_id=order_id,
        occurred_at=AT,
        customer_id="cust-9",
        items=ITEMS,
        total=snapshot.total,
    )
    return RecordEvents(snapshot=snapshot, events=[event], version=1)


async def test_a_noted_order_reads_as_placed_with_its_contact(services: Services) -> None:
    await services.orders.note_placed(order())

    view = await services.orders.get("o1")

    assert view is not None
    assert (view.status, view.customer_id, view.version) == (OrderStatus.PLACED, "cust-9", 0)
    assert (view.total, view.items, view.timeline) == (Decimal("27.00"), ITEMS, [])
    assert view.contact is not None and view.contact.delivery_address == "Via Larga 5"


async def test_the_sagas_first_record_replaces_the_noted_view(services: Services) -> None:
    await services.orders.note_placed(order())
    await services.orders.record(first_record("o1"))

    view = await services.orders.get("o1")

    assert view is not None and view.version == 1
    assert [entry.type for entry in view.timeline] == ["OrderPlaced"]


async def test_noting_an_order_the_saga_already_recorded_changes_nothing(
    services: Services,
) -> None:
    later = first_record("o1", OrderStatus.CONFIRMED)
    confirmed = OrderConfirmed(
        event_id=uuid4(), order_id="o1", occurred_at=AT, ticket_id="t1", total=Decimal("27.00")
    )
    await services.orders.record(later.model_copy(update={"events": [confirmed], "version": 2}))

    await services.orders.note_placed(order())  # a repeated POST, arriving late

    view = await services.orders.get("o1")
    assert view is not None and (view.status, view.version) == (OrderStatus.CONFIRMED, 2)


class StartOnlyClient:
    """A Temporal client that accepts a start and refuses everything else."""

    def __init__(self) -> None:
        self.started: list[str] = []

    async def start_workflow(self, *_: Any, id: str, **__: Any) -> None:
        self.started.append(id)

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a read asked the workflow ({name})")


async def test_placing_through_the_gateway_makes_the_order_readable_without_its_workflow(
    services: Services,
) -> None:
    client = StartOnlyClient()
    gateway = TemporalOrderGateway(client, Slas(), services.orders)  # type: ignore[arg-type]

    await gateway.place(order("o7"))

    view = await gateway.view("o7")
    assert client.started == ["order-o7"]
    assert view is not None and view.status == OrderStatus.PLACED
