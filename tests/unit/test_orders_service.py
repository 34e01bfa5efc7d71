"""The orders read model: an event log in recorded order, a view per order, upcasting on read."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.event_codec import UPCASTERS, encode
from domain.events import Event, OrderConfirmed, OrderPlaced, OrderRejected
from domain.menu import Size
from domain.order import OrderItem, OrderStatus
from infra.database import transaction
from services.container import Services
from services.messages import CompensationRecord, OrderContact, OrderSnapshot, RecordEvents
from services.orders import EventLogRow

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ITEMS = [OrderItem(pizza="margherita", size=Size.MEDIUM, quantity=2)]


def snapshot(order_id: str, status: OrderStatus = OrderStatus.PLACED) -> OrderSnapshot:
    return OrderSnapshot(
        order_id=order_id,
        status=status,
        customer_id="c1",
        total=Decimal("22.00"),
        items=ITEMS,
    )


def placed(order_id: str, at: datetime = START) -> OrderPlaced:
    return OrderPlaced(
        event_id=uuid4(),
        order_id=order_id,
        occurred_at=at,
        customer_id="c1",
        items=ITEMS,
        total=Decimal("22.00"),
    )


def confirmed(order_id: str, at: datetime) -> OrderConfirmed:
    return OrderConfirmed(
        event_id=uuid4(), order_id=order_id, occurred_at=at, ticket_id="t1", total=Decimal("22")
    )


async def test_records_the_view_and_a_timeline_in_recorded_order(services: Services) -> None:
    first, second = placed("o1"), confirmed("o1", START - timedelta(seconds=1))
    await services.orders.record(RecordEvents(snapshot=snapshot("o1"), events=[first]))
    await services.orders.record(
        RecordEvents(snapshot=snapshot("o1", OrderStatus.CONFIRMED), events=[second])
    )

    view = await services.orders.get("o1")

    assert view is not None and view.status == OrderStatus.CONFIRMED
    assert (view.total, view.items) == (Decimal("22.00"), ITEMS)
    assert [(e.type, e.event_id) for e in view.timeline] == [
        ("OrderPlaced", str(first.event_id)),
        ("OrderConfirmed", str(second.event_id)),
    ]
    assert view.timeline[1].occurred_at == second.occurred_at
    assert view.timeline[1].data == {"ticket_id": "t1", "total": "22", "version": 1}


async def test_recording_the_same_events_again_logs_each_once(services: Services) -> None:
    events: list[Event] = [placed("o1"), confirmed("o1", START)]
    request = RecordEvents(snapshot=snapshot("o1"), events=events)

    await services.orders.record(request)
    await services.orders.record(request)

    assert await services.orders.events("o1") == events


async def test_the_view_keeps_compensations(services: Services) -> None:
    compensations = [CompensationRecord(step="refund payment", outcome="failed", detail="down")]
    cancelled = snapshot("o1", OrderStatus.CANCELLED).model_copy(
        update={"compensations": compensations}
    )

    await services.orders.record(RecordEvents(snapshot=cancelled, events=[]))

    view = await services.orders.get("o1")
    assert view is not None and view.compensations == compensations


async def test_unknown_orders_are_none_and_do_not_exist(services: Services) -> None:
    await services.orders.record(RecordEvents(snapshot=snapshot("o1"), events=[placed("o1")]))

    assert await services.orders.get("nope") is None
    assert (await services.orders.exists("o1"), await services.orders.exists("nope")) == (
        True,
        False,
    )


async def test_lists_newest_first_and_filters_by_status(services: Services) -> None:
    for order_id, status in [("o1", "PLACED"), ("o2", "REJECTED"), ("o3", "PLACED")]:
        await services.orders.record(
            RecordEvents(snapshot=snapshot(order_id, OrderStatus(status)), events=[])
        )

    everything = await services.orders.list()
    placed_only = await services.orders.list(status=OrderStatus.PLACED, limit=1)

    assert [s.order_id for s in everything] == ["o3", "o2", "o1"]
    assert [s.order_id for s in placed_only] == ["o3"]
    with pytest.raises(ValueError, match="limit"):
        await services.orders.list(limit=0)


def rename_why_to_reason(payload: dict[str, Any]) -> dict[str, Any]:
    """An upcaster: v1 OrderRejected once called its reason ``why``."""
    payload["reason"] = payload.pop("why")
    return payload


async def test_old_stored_events_are_upcast_on_the_way_out(
    services: Services,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(UPCASTERS, ("OrderRejected", 1), rename_why_to_reason)
    event_id = str(uuid4())
    old = {"type": "OrderRejected", "version": 1, "event_id": event_id, "order_id": "o1"}
    old |= {"occurred_at": START.isoformat(), "why": "out of basil"}
    await services.orders.record(RecordEvents(snapshot=snapshot("o1"), events=[]))
    async with transaction(sessions) as session:
        session.add(
            EventLogRow(
                event_id=event_id,
                order_id="o1",
                type="OrderRejected",
                occurred_at=START,
                payload=old,
            )
        )

    [event] = await services.orders.events("o1")
    view = await services.orders.get("o1")

    assert isinstance(event, OrderRejected)
    assert (event.reason, event.version) == ("out of basil", 2)
    assert view is not None and view.timeline[0].data == {"reason": "out of basil", "version": 2}


CONTACT = OrderContact(
    name="Ada", phone="+39 055 123 4567", email="ada@example.com", delivery_address="Via Roma 1"
)


async def test_the_contact_recorded_with_order_placed_is_the_views_contact(
    services: Services,
) -> None:
    request = RecordEvents(snapshot=snapshot("o1"), events=[placed("o1")], contact=CONTACT)
    await services.orders.record(request)
    other = CONTACT.model_copy(update={"phone": "+39 000 000 000"})
    await services.orders.record(request.model_copy(update={"contact": other}))

    view = await services.orders.get("o1")

    assert view is not None and view.contact == CONTACT  # the first one stays
    assert "+39 055" not in str([entry.data for entry in view.timeline])


async def test_an_order_without_a_contact_has_none(services: Services) -> None:
    await services.orders.record(RecordEvents(snapshot=snapshot("o1"), events=[placed("o1")]))

    view = await services.orders.get("o1")
    assert view is not None and view.contact is None


async def test_a_v1_order_placed_in_the_event_log_decodes_and_still_gives_the_contact(
    services: Services, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # As the release before OrderPlaced v2 stored it: contact inside the event, no contact row.
    event_id = str(uuid4())
    old = encode(placed("o1")) | {"event_id": event_id, "version": 1}
    old |= {"customer_name": "Ada", "customer_phone": "+39 055 123 4567"}
    old |= {"customer_email": "ada@example.com", "delivery_address": "Via Roma 1"}
    await services.orders.record(RecordEvents(snapshot=snapshot("o1"), events=[]))
    async with transaction(sessions) as session:
        row = EventLogRow(
            event_id=event_id, order_id="o1", type="OrderPlaced", occurred_at=START, payload=old
        )
        session.add(row)

    [event] = await services.orders.events("o1")
    view = await services.orders.get("o1")

    assert isinstance(event, OrderPlaced) and event.version == 2
    assert view is not None and view.contact == CONTACT
    assert view.timeline[0].data == {
        "customer_id": "c1",
        "items": [item.model_dump(mode="json") for item in ITEMS],
        "total": "22.00",
        "version": 2,
    }


async def test_a_late_write_of_an_older_version_never_rolls_the_view_back(
    services: Services,
) -> None:
    orders = services.orders
    first, second = placed("o1"), confirmed("o1", START)
    await orders.record(RecordEvents(snapshot=snapshot("o1"), events=[first], version=1))
    await orders.record(
        RecordEvents(snapshot=snapshot("o1", OrderStatus.CONFIRMED), events=[second], version=2)
    )

    await orders.record(RecordEvents(snapshot=snapshot("o1"), events=[first], version=1))

    view = await orders.get("o1")
    assert view is not None
    assert (view.status, view.version) == (OrderStatus.CONFIRMED, 2)
    assert [entry.type for entry in view.timeline] == ["OrderPlaced", "OrderConfirmed"]
