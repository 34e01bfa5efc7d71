"""JetStream's own bound: a message no consumer ever settles is parked, not redelivered forever.

A consumer that dies on every try never acks, naks or dead-letters the
message itself; after ``max_deliver`` deliveries JetStream gives up, says so
in a MAX_DELIVERIES advisory, and the dead-letter keeper parks the message.
"""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import nats
import pytest
from nats.js import JetStreamContext

from choreography.advisories import keep_dead_letters
from choreography.deadletters import list_dead_letters
from choreography.names import EVENTS_STREAM, MSG_ID, subject_for
from choreography.topology import ensure_consumers, ensure_streams
from domain.event_codec import to_json
from domain.events import OrderCancelled
from tests.integration.choreo_fixtures import nats_server


@pytest.fixture
async def js(tmp_path) -> AsyncIterator[JetStreamContext]:
    with nats_server(tmp_path / "nats") as server:
        client = await nats.connect(server.url)
        try:
            context = client.jetstream()
            await ensure_streams(context)
            yield context
        finally:
            await client.close()


async def test_a_message_never_settled_is_parked_after_its_last_delivery(js) -> None:
    subject = subject_for(OrderCancelled)
    await ensure_consumers(js, {"kitchen": [subject]}, ack_wait=0.3, max_attempts=1)
    stop = asyncio.Event()
    keeper = asyncio.create_task(keep_dead_letters(js, stop, wait=0.1))
    event = OrderCancelled(
        event_id=uuid.uuid4(),
        order_id="o1",
        occurred_at=datetime.now(UTC),
        reason="r",
        cancelled_by="admin",
    )
    await js.publish(subject, to_json(event), headers={MSG_ID: str(event.event_id)})
    dying = await js.pull_subscribe_bind(durable="kitchen", stream=EVENTS_STREAM)
    try:
        async with asyncio.timeout(20):
            letters = []
            while not letters:
                await _take_and_die(dying)
                letters = await list_dead_letters(js)
    finally:
        stop.set()
        await keeper

    assert (letters[0].consumer, letters[0].event_id) == ("kitchen", str(event.event_id))
    assert "MAX_DELIVERIES" in letters[0].error


async def _take_and_die(subscription: JetStreamContext.PullSubscription) -> None:
    """Receive whatever is due and settle nothing, as a consumer killed mid-try."""
    with contextlib.suppress(nats.errors.TimeoutError, TimeoutError):
        await subscription.fetch(1, timeout=0.2)
