"""Choreography handlers, wired by ``bootstrap`` over an in-memory store and broker.

The services are the real ones on a SQLite file; the order store, the
outbox/inbox and the broker are in-memory fakes of the same ports, and the
clock is a hand-moved one, so deadlines fire without waiting.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from choreography.bootstrap import COMMANDS, bootstrap
from choreography.bus import MessageBus
from choreography.deadlines import sweep
from choreography.handlers.payments import charge_order
from choreography.memory import InMemoryBroker, InMemoryStore
from choreography.model import Delivery
from domain.commands import CancelOrder, Command, MarkDelivered, MarkReady, PickUp, StartCooking
from domain.errors import IllegalTransition
from domain.events import InventoryReserved
from domain.order import OrderStatus
from infra.database import make_engine, make_session_factory
from infra.settings import Settings
from services.container import Services, build_services, prepare_database
from services.messages import Fault
from services.stock import StockRow
from tests.support import place_order


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'pizzeria.db'}")
    yield engine
    await engine.dispose()


@pytest.fixture
async def services(tmp_path: Path, engine: AsyncEngine) -> Services:
    settings = Settings(_env_file=None, env="test", data_dir=tmp_path, smtp_host=None)
    built = build_services(settings, make_session_factory(engine))
    await prepare_database(engine, built)
    return built


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def bus(services: Services, store: InMemoryStore, clock: Clock) -> MessageBus:
    return bootstrap(services, store, clock=clock)


@pytest.fixture
def broker(bus: MessageBus, store: InMemoryStore) -> InMemoryBroker:
    return InMemoryBroker(bus, store)


async def placed(bus: MessageBus, broker: InMemoryBroker, order_id: str = "o-1") -> str:
    await bus.execute(place_order(order_id))
    await broker.drain()
    return order_id


def types(store: InMemoryStore, order_id: str) -> list[str]:
    return [e.type for e in store.outbox if e.order_id == order_id]  # type: ignore[attr-defined]


async def test_every_command_goes_to_exactly_one_handler() -> None:
    assert set(COMMANDS) == set(Command.__subclasses__())


async def test_a_placed_order_is_reserved_charged_ticketed_and_confirmed_by_reactions(
    bus, broker, store, services
) -> None:
    order_id = await placed(bus, broker)

    stored = await store.order(order_id)
    assert stored is not None and stored.status is OrderStatus.CONFIRMED
    assert types(store, order_id) == [
        "OrderPlaced",
        "InventoryReserved",
        "PaymentProcessed",
        "OrderConfirmed",
        "NotificationSent",
        "NotificationSent",
    ]
    assert [t.ticket_id for t in await services.kitchen.queue()] == [stored.ticket_id]
    assert await services.payments.balance(order_id) == stored.order.total


async def test_staff_commands_walk_the_order_to_delivered_and_text_when_it_leaves(
    bus, broker, store, services
) -> None:
    order_id = await placed(bus, broker)
    for command in (StartCooking, MarkReady, PickUp, MarkDelivered):
        await bus.execute(command(order_id=order_id))
        await broker.drain()

    assert types(store, order_id)[-5:] == [
        "OrderCookingStarted",
        "OrderReady",
        "OrderOutForDelivery",
        "NotificationSent",
        "OrderDelivered",
    ]
    purposes = [n.purpose for n in await services.notifications.sent(order_id)]
    assert sorted(purposes) == ["confirmation", "confirmation", "out_for_delivery"]


async def test_an_illegal_step_is_refused_and_writes_nothing(bus, broker, store) -> None:
    order_id = await placed(bus, broker)
    before = list(store.outbox)

    with pytest.raises(IllegalTransition):
        await bus.execute(MarkReady(order_id=order_id))

    assert store.outbox == before


async def test_placing_the_same_order_twice_announces_it_once(bus, broker, store) -> None:
    await bus.execute(place_order("o-1"))
    await bus.execute(place_order("o-1"))

    assert types(store, "o-1") == ["OrderPlaced"]


async def test_a_declined_payment_rejects_the_order_refunds_nothing_and_releases_stock(
    bus, broker, store, services
) -> None:
    levels = await services.inventory.levels()
    await services.faults.set("payments", Fault(mode="decline"))

    order_id = await placed(bus, broker)

    stored = await store.order(order_id)
    assert stored is not None and stored.status is OrderStatus.REJECTED
    seen = types(store, order_id)
    assert seen[:4] == ["OrderPlaced", "InventoryReserved", "PaymentFailed", "OrderRejected"]
    assert "InventoryReleased" in seen and "PaymentRefunded" not in seen
    assert await services.inventory.levels() == levels
    assert [(e.kind, e.amount) for e in await services.payments.ledger(order_id)] == [
        ("declined", stored.order.total),
        ("refund", 0),
    ]


async def test_out_of_stock_rejects_the_order_without_charging(
    bus, broker, store, services, engine
) -> None:
    async with engine.begin() as connection:
        await connection.execute(update(StockRow).values(quantity=0))

    order_id = await placed(bus, broker)

    assert types(store, order_id)[:3] == [
        "OrderPlaced",
        "InventoryReservationFailed",
        "OrderRejected",
    ]
    assert await services.payments.ledger(order_id) == []
    purposes = sorted(n.purpose for n in await services.notifications.sent(order_id))
    assert purposes == ["rejection", "rejection"]


async def test_cancelling_a_confirmed_order_cancels_the_ticket_refunds_and_releases(
    bus, broker, store, services
) -> None:
    order_id = await placed(bus, broker)

    await bus.execute(CancelOrder(order_id=order_id))
    await broker.drain()

    seen = types(store, order_id)
    assert seen[6] == "OrderCancelled"
    assert {"PaymentRefunded", "InventoryReleased"} <= set(seen[7:])
    assert await services.payments.balance(order_id) == 0
    assert await services.kitchen.queue() == []
    purposes = sorted(n.purpose for n in await services.notifications.sent(order_id))
    assert purposes.count("cancellation") == 2


async def test_a_redelivered_event_changes_nothing(bus, broker, store, services) -> None:
    order_id = await placed(bus, broker)
    reserved = next(e for e in store.outbox if isinstance(e, InventoryReserved))

    again = await bus.deliver("payments", Delivery(event=reserved))

    assert again is False
    assert [e.kind for e in await services.payments.ledger(order_id)] == ["charge"]


async def test_a_crash_between_the_charge_and_the_commit_is_harmless_on_redelivery(
    bus, store, services
) -> None:
    await bus.execute(place_order("o-1"))
    broker = InMemoryBroker(bus, store)
    placed_event = store.outbox[0]
    await bus.deliver("inventory", Delivery(event=placed_event))  # type: ignore[arg-type]
    reserved = next(e for e in store.outbox if isinstance(e, InventoryReserved))
    lost = await charge_order(Delivery(event=reserved), bus.deps)  # charged, then "crashed"

    await broker.drain()

    processed = [e for e in store.outbox if e.type == "PaymentProcessed"]  # type: ignore[attr-defined]
    assert [e.event_id for e in processed] == [lost.events[0].event_id]
    assert [e.kind for e in await services.payments.ledger("o-1")] == ["charge"]


async def test_an_sms_outage_is_retried_and_the_text_is_sent_once(
    bus, broker, store, services
) -> None:
    await services.faults.set("sms", Fault(mode="down", remaining=1))

    order_id = await placed(bus, broker)

    sent = await services.notifications.sent(order_id)
    assert sorted((n.channel, n.status) for n in sent) == [("email", "sent"), ("sms", "sent")]
    assert broker.dead_letters == []


async def test_an_sms_outage_past_the_last_attempt_ends_as_notification_failed(
    bus, broker, store, services
) -> None:
    await services.faults.set("sms", Fault(mode="down"))

    order_id = await placed(bus, broker)

    stored = await store.order(order_id)
    assert stored is not None and stored.status is OrderStatus.CONFIRMED
    assert "NotificationFailed" in types(store, order_id)
    assert broker.dead_letters == []


async def test_a_passed_cooking_deadline_announces_one_delay_and_texts_the_customer(
    bus, broker, store, services, clock
) -> None:
    order_id = await placed(bus, broker)
    clock.now += timedelta(minutes=16)

    assert await sweep(bus.deps) == 1
    assert await sweep(bus.deps) == 0
    await broker.drain()

    assert types(store, order_id)[-2:] == ["OrderDelayed", "NotificationSent"]
    stored = await store.order(order_id)
    assert stored is not None and stored.status is OrderStatus.CONFIRMED


async def test_reaching_the_stage_in_time_settles_its_deadline(bus, broker, clock) -> None:
    order_id = await placed(bus, broker)
    await bus.execute(StartCooking(order_id=order_id))
    clock.now += timedelta(minutes=16)

    assert await sweep(bus.deps) == 0  # cooking started in time; ready is due at +30 min


async def test_the_kitchen_ticket_moves_with_the_order(bus, broker, services) -> None:
    order_id = await placed(bus, broker)
    seen = []
    for command in (StartCooking, MarkReady):
        await bus.execute(command(order_id=order_id))
        await broker.drain()
        seen.append((await services.kitchen.ticket(order_id)).status)

    assert seen == ["cooking", "ready"]


async def test_a_kitchen_down_past_the_last_attempt_rejects_refunds_and_releases(
    bus, broker, store, services
) -> None:
    await services.faults.set("kitchen", Fault(mode="down", remaining=3))  # every delivery

    order_id = await placed(bus, broker)

    stored = await store.order(order_id)
    assert stored is not None and stored.status is OrderStatus.REJECTED
    rejected = next(e for e in store.outbox if e.type == "OrderRejected")  # type: ignore[attr-defined]
    assert rejected.reason.startswith("the kitchen could not take the order: ")  # type: ignore[attr-defined]
    assert {"PaymentRefunded", "InventoryReleased"} <= set(types(store, order_id))
    assert await services.payments.balance(order_id) == 0
    assert broker.dead_letters == []
