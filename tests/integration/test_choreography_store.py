"""``SqlStore`` on SQLite and on a real PostgreSQL: the outbox commit is all or nothing."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from choreography.deps import Deps
from choreography.handlers.commands import place_order
from choreography.model import Change, Deadline, move
from choreography.names import subjects_for
from choreography.ports import VersionConflict
from choreography.store import SqlStore
from domain.event_codec import from_json
from domain.events import (
    OrderCancelled,
    OrderConfirmed,
    OrderDelayed,
    OrderPlaced,
    OrderRejected,
)
from domain.order import OrderStatus
from services.contacts import contact_of, load_contact
from tests.support import place_order as order

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(sessions) -> SqlStore:
    return SqlStore(sessions)


@pytest.fixture
def deps(services, store) -> Deps:
    return Deps(services=services, store=store, clock=lambda: NOW)


async def placed(deps: Deps, order_id: str = "o-1"):
    await deps.store.commit(await place_order(order(order_id), deps))
    return await deps.load(order_id)


async def test_a_placed_order_and_its_event_commit_together_once(deps, store) -> None:
    first = await place_order(order("o-1"), deps)

    assert await store.commit(first) is True
    assert await store.commit(first) is False  # the same order again: nothing new
    assert await store.event_types("o-1") == ["OrderPlaced"]
    stored = await store.order("o-1")
    assert stored is not None and stored.version == 1


async def test_an_inbox_row_makes_the_second_delivery_write_nothing(deps, store) -> None:
    stored = await placed(deps)
    delayed = deps.fresh(OrderDelayed, "o-1", stage="cooking", deadline=NOW)
    change = Change(events=(delayed,))

    assert await store.commit(change, inbox=("notifications", "m-1")) is True
    assert await store.commit(change, inbox=("notifications", "m-1")) is False
    assert await store.handled("notifications", "m-1")
    assert await store.event_types(stored.order_id) == ["OrderPlaced", "OrderDelayed"]


async def test_a_stale_order_is_refused_and_nothing_of_its_change_is_written(deps, store) -> None:
    stored = await placed(deps)
    cancelled = deps.fresh(OrderCancelled, "o-1", reason="changed my mind", cancelled_by="customer")
    rejected = deps.fresh(OrderRejected, "o-1", reason="declined")
    await store.commit(move(stored, OrderStatus.CANCELLED, cancelled, NOW))

    with pytest.raises(VersionConflict):
        await store.commit(move(stored, OrderStatus.REJECTED, rejected, NOW), inbox=("orders", "m"))

    assert not await store.handled("orders", "m")
    current = await store.order("o-1")
    assert current is not None and current.status is OrderStatus.CANCELLED
    assert await store.event_types("o-1") == ["OrderPlaced", "OrderCancelled"]


async def test_a_due_deadline_is_claimed_once_and_a_settled_one_never_fires(deps, store) -> None:
    stored = await placed(deps)
    confirmed = deps.fresh(OrderConfirmed, "o-1", ticket_id="tkt_1", total=stored.order.total)
    await store.commit(move(stored, OrderStatus.CONFIRMED, confirmed, NOW))
    later = NOW + timedelta(hours=1)

    [due] = await store.due(later, 10)
    assert (due.stage, due.due_at) == ("cooking", NOW + stored.slas.cooking)
    assert await store.commit(Change(fire=due)) is True
    assert await store.commit(Change(fire=due)) is False
    assert await store.due(later, 10) == []
    assert await store.commit(Change(fire=Deadline("o-1", "ready", NOW))) is False


async def test_the_relay_sees_unsent_events_in_commit_order_until_marked(deps, store) -> None:
    await placed(deps, "o-1")
    await placed(deps, "o-2")

    waiting = await store.unsent(10)
    assert [e.subject for e in waiting] == ["pizzeria.events.order.placed.v2"] * 2
    await store.mark_sent([waiting[0].event_id])
    assert [e.event_id for e in await store.unsent(10)] == [waiting[1].event_id]


async def test_a_placed_order_keeps_its_contact_out_of_the_event_and_in_its_record(
    deps, store, sessions
) -> None:
    await placed(deps, "o-1")

    [outgoing] = await store.unsent(10)
    async with sessions() as session:
        contact = await load_contact(session, "o-1")
    assert contact == contact_of(order("o-1"))
    for personal in (contact.phone, contact.email, contact.delivery_address, contact.name):
        assert personal.encode() not in outgoing.body


async def test_a_v1_order_placed_left_in_an_old_outbox_is_still_subscribed_and_decodes(
    deps, store
) -> None:
    await placed(deps, "o-1")
    [outgoing] = await store.unsent(10)
    old = json.loads(outgoing.body)
    old["type"] = "com.mariospizzeria.order.placed.v1"
    old["data"] |= {"version": 1, "customer_name": "Ada", "customer_phone": "+39 055 123 4567"}
    old["data"] |= {"customer_email": "ada@example.com", "delivery_address": "Via Roma 1"}

    event = from_json(json.dumps(old).encode())

    assert isinstance(event, OrderPlaced) and event.version == 2
    assert "pizzeria.events.order.placed.v1" in subjects_for(OrderPlaced)
