"""Crash safety: kill -9 the relay between publish and mark-sent, and consumers holding work.

A second connection holds SQLite's write lock, so the relay publishes and then
blocks marking its rows sent, and every consumer blocks inside its handler
with the messages it fetched still unacknowledged (the test waits until the
inventory consumer holds at least one). Both processes are killed
with SIGKILL in exactly that state and started again. Afterwards every order
completes, and every side effect exists exactly once.
"""

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import nats
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from choreography.bootstrap import CONSUMERS as CONSUMER_NAMES
from choreography.names import EVENTS_STREAM, MSG_ID
from choreography.runtime import open_bus
from choreography.tables import InboxRow, OutboxRow
from domain.order import OrderStatus
from infra.database import make_engine
from tests.integration.bus_orders import order_is, settled, walk_to_delivered
from tests.integration.choreo_fixtures import NatsServer, choreo_settings, nats_server
from tests.parity.harness import side_effects
from tests.support import place_order

ORDERS = 4
REPO = Path(__file__).resolve().parents[2]
WAIT = 60.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[NatsServer]:
    with nats_server(tmp_path / "nats") as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path, server: NatsServer):
    return choreo_settings(tmp_path, server.url)


@pytest.fixture
async def js(server: NatsServer) -> AsyncIterator[object]:
    client = await nats.connect(server.url)
    yield client.jetstream()
    await client.close()


@contextmanager
def processes(settings, *commands: list[str]) -> Iterator[list[subprocess.Popen[bytes]]]:
    env = dict(os.environ)
    env.update(
        PIZZERIA_MODE="choreography",
        PIZZERIA_DATABASE_URL=settings.database_url,
        PIZZERIA_NATS_URL=settings.nats_url,
        PIZZERIA_ENV="test",
    )
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "cli", *command],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for command in commands
    ]
    try:
        yield started
    finally:
        for process in started:
            process.kill()
            process.wait()


@contextmanager
def write_lock(database: Path) -> Iterator[None]:
    """Hold SQLite's write lock: readers go on, every writer waits."""
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


async def until(check) -> None:
    async with asyncio.timeout(WAIT):
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)


RELAY = ["relay"]
CONSUMERS = ["consumers", "--ack-wait", "1", "--sweep", "0.2"]


async def test_after_kill_9_every_order_completes_and_every_side_effect_happened_once(
    settings, js, tmp_path
) -> None:
    async with open_bus(settings) as bus:
        order_ids = [f"crash-{n}" for n in range(ORDERS)]
        for order_id in order_ids:
            await bus.execute(place_order(order_id))

        with processes(settings, CONSUMERS) as consumers:
            await until(lambda: _unacked(js, "inventory", 0))  # subscribed, stock seeded
            with write_lock(tmp_path / "pizzeria.db"), processes(settings, RELAY):
                await until(lambda: _stream_holds(js, ORDERS))
                await until(lambda: _unacked(js, "inventory", 1))
                consumers[0].kill()
        # Both processes died by SIGKILL while the lock still held them mid-work.
        assert len(await bus.deps.store.unsent(100)) == ORDERS  # published, never marked sent

        with processes(settings, RELAY, CONSUMERS):
            for order_id in order_ids:
                await _deliver(bus, order_id)
            for order_id in order_ids:
                await until(lambda o=order_id: settled(bus, o))
            await until(lambda: _all_acknowledged(js, bus))

        engine = make_engine(settings.database_url)
        try:
            for order_id in order_ids:
                await _assert_exactly_once(engine, order_id)
            await _assert_inbox_counts_each_message_once(engine)
        finally:
            await engine.dispose()
    assert await _published_ids_are_unique(js)


async def _stream_holds(js, count: int) -> bool:
    try:
        return (await js.stream_info(EVENTS_STREAM)).state.messages >= count
    except Exception:  # the relay has not created the stream yet
        return False


async def _unacked(js, consumer: str, count: int) -> bool:
    try:
        return (await js.consumer_info(EVENTS_STREAM, consumer)).num_ack_pending >= count
    except Exception:  # the consumer does not exist yet
        return False


async def _all_acknowledged(js, bus) -> bool:
    """Nothing left in the outbox, and every consumer has acknowledged everything."""
    if await bus.deps.store.unsent(1):
        return False
    for consumer in CONSUMER_NAMES:
        info = await js.consumer_info(EVENTS_STREAM, consumer)
        if info.num_pending or info.num_ack_pending:
            return False
    return True


async def _deliver(bus, order_id: str) -> None:
    await until(lambda: order_is(bus, order_id, OrderStatus.CONFIRMED))
    await walk_to_delivered(bus, order_id)


async def _assert_exactly_once(engine, order_id: str) -> None:
    rows = await side_effects(engine, order_id)
    assert [r[0] for r in rows["reservations"]] == ["reserved"]
    assert [r[0] for r in rows["payments"]] == ["charge"]
    assert rows["tickets"] == [("ready",)]  # the kitchen moved it with the order
    assert rows["notifications"] == [
        ("email", "confirmation", "sent"),
        ("sms", "confirmation", "sent"),
        ("sms", "out_for_delivery", "sent"),
    ]
    async with engine.connect() as connection:
        query = select(OutboxRow.type).where(col(OutboxRow.order_id) == order_id)  # type: ignore[call-overload]
        types = Counter((await connection.execute(query)).scalars().all())
    assert types == Counter(
        {
            "OrderPlaced": 1,
            "InventoryReserved": 1,
            "PaymentProcessed": 1,
            "OrderConfirmed": 1,
            "NotificationSent": 3,
            "OrderCookingStarted": 1,
            "OrderReady": 1,
            "OrderOutForDelivery": 1,
            "OrderDelivered": 1,
        }
    )


async def _assert_inbox_counts_each_message_once(engine) -> None:
    async with engine.connect() as connection:
        handled = (
            await connection.execute(
                select(InboxRow.consumer, func.count()).group_by(InboxRow.consumer)  # type: ignore[call-overload]
            )
        ).all()
        events = (
            await connection.execute(select(func.count()).select_from(OutboxRow))
        ).scalar_one()
    assert dict(handled)["timeline"] == events  # the timeline consumer also counts analytics


async def _published_ids_are_unique(js) -> bool:
    info = await js.stream_info(EVENTS_STREAM)
    ids = [
        (await js.get_msg(EVENTS_STREAM, seq)).headers[MSG_ID]
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]
    return len(ids) == len(set(ids))
