"""The change feed: one batched read of the orders view, fanned out to every listener.

On SQLite and PostgreSQL (the ``services`` fixture), plus a hand-driven source
for what a real database only does now and then (a row committed late).
"""

from dataclasses import dataclass, field

from domain.order import OrderItem, OrderStatus
from services.change_feed import MAX_PENDING, ChangeFeed, reached
from services.changes import Change
from services.container import Services
from services.messages import OrderSnapshot, RecordEvents


def snapshot(order_id: str, status: OrderStatus) -> OrderSnapshot:
    return OrderSnapshot(
        order_id=order_id,
        status=status,
        customer_id="cust-42",
        total="13.50",
        items=[OrderItem(pizza="margherita", size="large", quantity=1)],
    )


async def test_every_listener_hears_of_each_write_once(services: Services) -> None:
    feed = ChangeFeed(lambda: services.changes)
    async with feed.subscribe() as first, feed.subscribe() as second:
        await services.orders.record(
            RecordEvents(snapshot=snapshot("o-1", OrderStatus.CONFIRMED), events=[])
        )
        await feed.poll_once()
        await feed.poll_once()  # the lookback reads it again; nobody hears it twice

        heard = [await first.next(1.0), await second.next(1.0)]
    await feed.close()

    for batch in heard:
        assert [(c.order_id, c.status) for c in batch.changes] == [("o-1", OrderStatus.CONFIRMED)]
    assert feed.listeners == 0


async def test_what_was_written_before_anyone_listened_is_no_news(services: Services) -> None:
    await services.orders.record(
        RecordEvents(snapshot=snapshot("o-1", OrderStatus.CONFIRMED), events=[])
    )
    feed = ChangeFeed(lambda: services.changes)
    async with feed.subscribe() as listener:
        assert await feed.poll_once() == []
        assert (await listener.next(0.01)).changes == []
    await feed.close()


@dataclass
class HandFed:
    """A source whose rows the test writes, in any order of versions."""

    rows: list[Change] = field(default_factory=list)

    async def since(self, version: int, limit: int = 500) -> list[Change]:
        return sorted((c for c in self.rows if c.version > version), key=lambda c: c.version)

    async def latest(self) -> int:
        return max((c.version for c in self.rows), default=0)


def change(order_id: str, version: int) -> Change:
    return Change(order_id, OrderStatus.COOKING, "cust-42", version)


async def test_a_write_committed_after_a_newer_one_is_still_heard() -> None:
    source = HandFed()
    feed = ChangeFeed(lambda: source)  # type: ignore[arg-type, return-value]
    async with feed.subscribe() as listener:
        source.rows.append(change("newer", 5_000_000))
        await feed.poll_once()
        source.rows.append(change("older", 4_500_000))  # stamped earlier, committed later
        await feed.poll_once()

        heard = (await listener.next(1.0)).changes
    await feed.close()

    assert [c.order_id for c in heard] == ["newer", "older"]


async def test_a_listener_that_falls_far_behind_is_told_to_reread() -> None:
    source = HandFed()
    feed = ChangeFeed(lambda: source)  # type: ignore[arg-type, return-value]
    async with feed.subscribe() as listener:
        source.rows.extend(change(f"o-{n}", 1_000 + n) for n in range(MAX_PENDING + 1))
        await feed.poll_once()

        batch = await listener.next(1.0)
    await feed.close()

    assert batch.overflowed and batch.changes == []


def test_an_order_has_reached_a_status_once_at_or_past_it_or_ended() -> None:
    s = OrderStatus
    assert reached(s.READY, s.COOKING)
    assert reached(s.COOKING, s.COOKING)
    assert reached(s.CANCELLED, s.DELIVERED)
    assert not reached(s.CONFIRMED, s.COOKING)
    assert not reached(s.PLACED, s.REJECTED)
