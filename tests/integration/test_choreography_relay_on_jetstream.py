"""The relay on a real JetStream: batches keep commit order, repeats are dropped, a commit wakes it.

The relay runs with an idle poll of an hour, so an order that reaches the
stream at all was published because its commit rang the outbox bell.
"""

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext

from choreography.batch_publisher import JetStreamPublisher
from choreography.bus import MessageBus
from choreography.names import EVENTS_STREAM, MSG_ID
from choreography.outbox_bell import OutboxBell
from choreography.relay import Outgoing
from choreography.runtime import open_bus, run_relay
from choreography.topology import ensure_streams
from tests.integration.choreo_fixtures import FAST, NatsServer, choreo_settings, nats_server
from tests.support import place_order

AN_HOUR = dataclasses.replace(FAST, relay_idle=3600.0)


@pytest.fixture
def server(tmp_path: Path) -> AsyncIterator[NatsServer]:
    with nats_server(tmp_path / "nats") as running:
        yield running


@pytest.fixture
async def client(server: NatsServer) -> AsyncIterator[nats.NATS]:
    connection = await nats.connect(server.url)
    yield connection
    await connection.close()


async def stream_ids(js: JetStreamContext) -> list[str]:
    """The ``Nats-Msg-Id`` of every message in the events stream, in stream order."""
    info = await js.stream_info(EVENTS_STREAM)
    ids = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        message = await js.get_msg(EVENTS_STREAM, seq)
        ids.append((message.headers or {})[MSG_ID])
    return ids


def batch(count: int) -> list[Outgoing]:
    return [
        Outgoing("pizzeria.events.order.delayed.v1", b"{}", str(uuid.uuid4()), {})
        for _ in range(count)
    ]


async def test_a_batch_is_stored_in_the_order_sent_and_a_resent_batch_is_dropped(client) -> None:
    js = client.jetstream()
    await ensure_streams(js)
    publisher, messages = JetStreamPublisher(js), batch(50)

    assert await publisher.publish_batch(messages) == 50
    assert await publisher.publish_batch(messages) == 50  # a relay that crashed before marking

    assert await stream_ids(js) == [m.message_id for m in messages]


async def test_a_commit_wakes_the_idle_relay(server, client, tmp_path) -> None:
    settings = choreo_settings(tmp_path, server.url)
    stop = asyncio.Event()
    relay = asyncio.create_task(run_relay(settings, stop, AN_HOUR))
    try:
        async with open_bus(settings, OutboxBell(client)) as bus:
            for n, expected in enumerate((1, 2)):
                await bus.execute(place_order(f"wake-{n}"))
                await until(lambda n=expected: _published(bus, client, n))  # or an hour
    finally:
        stop.set()
        await relay


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(30):
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)


async def _published(bus: MessageBus, client: nats.NATS, count: int) -> bool:
    """The outbox empty and ``count`` messages in the stream."""
    if await bus.deps.store.unsent(1):
        return False
    try:
        return (await client.jetstream().stream_info(EVENTS_STREAM)).state.messages >= count
    except Exception:  # the relay has not created the stream yet
        return False
