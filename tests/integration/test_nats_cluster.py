"""Choreography on a three-node JetStream cluster survives losing the events stream's leader.

The cluster is started from ``pizzeria up --topology cluster``'s plan; the
relay and two consumer runs (two "processes" sharing every durable consumer)
run as tasks on one SQLite file. The leader is SIGKILLed with orders in
flight: every order still completes, every side effect happens once, and the
node that comes back catches up with the stream.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import nats
import pytest
from sqlalchemy import func, select

from choreography.bootstrap import CONSUMERS
from choreography.names import EVENTS_STREAM
from choreography.runtime import open_bus, run_consumers, run_relay
from choreography.tables import InboxRow, OutboxRow
from domain.order import OrderStatus
from infra.database import make_engine
from tests.integration.bus_orders import order_is, settled, walk_to_delivered
from tests.integration.choreo_fixtures import FAST, choreo_settings
from tests.integration.nats_cluster import NatsCluster, nats_cluster
from tests.parity.harness import side_effects
from tests.support import place_order

ORDERS = 8
WAIT = 90.0
ON_THREE = replace(FAST, replicas=3)


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[NatsCluster]:
    async with nats_cluster(tmp_path) as running:
        yield running


async def until(check) -> None:
    async with asyncio.timeout(WAIT):
        while True:
            if await check():
                return
            await asyncio.sleep(0.1)


async def test_killing_the_stream_leader_mid_flight_completes_every_order_exactly_once(
    cluster: NatsCluster, tmp_path: Path
) -> None:
    settings = choreo_settings(
        tmp_path, cluster.urls[0], nats_servers=cluster.urls, stream_replicas=3
    )
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(run_relay(settings, stop, ON_THREE)),
        *(asyncio.create_task(run_consumers(settings, stop, tuning=ON_THREE)) for _ in range(2)),
    ]
    try:
        async with open_bus(settings) as bus:
            await until(lambda: _consumers_exist_on(cluster))
            leader = await cluster.stream_leader()
            info = await _stream_info(cluster)
            assert info.config.num_replicas == 3
            assert sorted([leader, *(peer.name for peer in info.cluster.replicas)]) == [
                "nats-1",
                "nats-2",
                "nats-3",
            ]

            order_ids = [f"cluster-{n}" for n in range(ORDERS)]
            for order_id in order_ids[: ORDERS // 2]:
                await bus.execute(place_order(order_id))
            cluster.kill(cluster.node_named(leader))
            for order_id in order_ids[ORDERS // 2 :]:
                await bus.execute(place_order(order_id))

            await asyncio.gather(*(_deliver(bus, order_id) for order_id in order_ids))
            for order_id in order_ids:
                await until(lambda o=order_id: settled(bus, o))
            assert await cluster.stream_leader() != leader
            await until(lambda: _all_acknowledged(cluster))

            cluster.restart(cluster.node_named(leader))
            await until(lambda: _caught_up(cluster, leader))
    finally:
        stop.set()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    crashed = [(n, repr(o)) for n, o in enumerate(outcomes) if isinstance(o, Exception)]
    assert not crashed, crashed  # a relay or consumer run died (JetStream refused something)

    engine = make_engine(settings.database_url)
    try:
        for order_id in order_ids:
            await _assert_exactly_once(engine, order_id)
        await _assert_each_message_handled_once_per_consumer(engine)
    finally:
        await engine.dispose()


async def test_every_durable_consumer_keeps_three_replicas(
    cluster: NatsCluster, tmp_path: Path
) -> None:
    settings = choreo_settings(
        tmp_path, cluster.urls[0], nats_servers=cluster.urls, stream_replicas=3
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_consumers(settings, stop, tuning=ON_THREE))
    try:
        client = await nats.connect(cluster.urls)
        js = client.jetstream()
        await until(lambda: _consumers_exist(js))
        for name in CONSUMERS:
            info = await js.consumer_info(EVENTS_STREAM, name)
            assert info.config.num_replicas == 3, name
        await client.close()
    finally:
        stop.set()
        await task


async def _stream_info(cluster: NatsCluster):  # type: ignore[no-untyped-def]
    client = await nats.connect(cluster.urls)
    try:
        return await client.jetstream().stream_info(EVENTS_STREAM)
    finally:
        await client.close()


async def _consumers_exist_on(cluster: NatsCluster) -> bool:
    client = await nats.connect(cluster.urls)
    try:
        return await _consumers_exist(client.jetstream())
    finally:
        await client.close()


async def _consumers_exist(js) -> bool:
    try:
        return set(CONSUMERS) <= {c.name for c in await js.consumers_info(EVENTS_STREAM)}
    except Exception:  # no stream yet
        return False


async def _all_acknowledged(cluster: NatsCluster) -> bool:
    """Every consumer has acknowledged every message."""
    client = await nats.connect(cluster.urls)
    try:
        for name in CONSUMERS:
            info = await client.jetstream().consumer_info(EVENTS_STREAM, name)
            if info.num_pending or info.num_ack_pending:
                return False
        return True
    except Exception:  # a consumer's leader is being elected
        return False
    finally:
        await client.close()


async def _caught_up(cluster: NatsCluster, name: str) -> bool:
    """The restarted node is a current replica (or the leader) with nothing left to copy."""
    info = await cluster._stream_info(EVENTS_STREAM)
    if info is None or info.cluster is None:
        return False
    if info.cluster.leader == name:
        return True
    peer = next((p for p in info.cluster.replicas or [] if p.name == name), None)
    return peer is not None and bool(peer.current) and not peer.offline and not peer.lag


async def _deliver(bus, order_id: str) -> None:
    await until(lambda: order_is(bus, order_id, OrderStatus.CONFIRMED))
    await walk_to_delivered(bus, order_id)


async def _assert_exactly_once(engine, order_id: str) -> None:
    rows = await side_effects(engine, order_id)
    assert [r[0] for r in rows["reservations"]] == ["reserved"]
    assert [r[0] for r in rows["payments"]] == ["charge"]
    assert rows["tickets"] == [("ready",)]
    assert sorted(rows["notifications"]) == [
        ("email", "confirmation", "sent"),
        ("sms", "confirmation", "sent"),
        ("sms", "out_for_delivery", "sent"),
    ]


async def _assert_each_message_handled_once_per_consumer(engine) -> None:
    async with engine.connect() as connection:
        handled = dict(
            (
                await connection.execute(
                    select(InboxRow.consumer, func.count()).group_by(InboxRow.consumer)  # type: ignore[call-overload]
                )
            ).all()
        )
        events = (
            await connection.execute(select(func.count()).select_from(OutboxRow))
        ).scalar_one()
    assert handled["timeline"] == events  # the timeline consumer also counts analytics
