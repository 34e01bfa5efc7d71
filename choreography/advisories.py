"""The dead-letter keeper: a message JetStream gave up redelivering becomes a dead letter.

A consumer dead-letters what fails on its last try itself. What it never
settled (it died, or lost its connection, on every try) JetStream stops
delivering after ``max_deliver`` and announces with a MAX_DELIVERIES advisory;
``PIZZERIA_ADVISORIES`` keeps those, and this loop parks each message they
name under the consumer's dead-letter subject, with the same message id the
consumer would have given it, so a message parked both ways is parked once.
"""

import asyncio
import json
import logging
from dataclasses import dataclass

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import NotFoundError

from choreography.names import (
    ADVISORIES_STREAM,
    ADVISORY_KEEPER,
    HEADER_ATTEMPTS,
    HEADER_CONSUMER,
    HEADER_ERROR,
    HEADER_SUBJECT,
    MSG_ID,
    dead_letter_subject,
)

log = logging.getLogger("pizzeria.deadletters")


@dataclass(frozen=True)
class MaxDeliveries:
    """What a MAX_DELIVERIES advisory says: which consumer gave up on which message."""

    stream: str
    consumer: str
    stream_seq: int
    deliveries: int

    @classmethod
    def parse(cls, body: bytes) -> "MaxDeliveries":
        """The advisory's JSON body."""
        data = json.loads(body)
        return cls(data["stream"], data["consumer"], data["stream_seq"], data["deliveries"])


async def park(js: JetStreamContext, advisory: MaxDeliveries) -> None:
    """Copy the message the advisory names to its consumer's dead letters."""
    try:
        original = await js.get_msg(advisory.stream, advisory.stream_seq)
    except NotFoundError:
        return  # the stream's retention dropped it already: nothing left to park
    original_id = (original.headers or {}).get(MSG_ID, "")
    headers = {
        HEADER_CONSUMER: advisory.consumer,
        HEADER_SUBJECT: original.subject or "",
        HEADER_ERROR: f"never settled in {advisory.deliveries} deliveries (MAX_DELIVERIES)",
        HEADER_ATTEMPTS: str(advisory.deliveries),
        MSG_ID: f"{advisory.consumer}/{original_id}/{advisory.stream_seq}",
    }
    await js.publish(dead_letter_subject(advisory.consumer), original.data or b"", headers=headers)


async def keep_dead_letters(js: JetStreamContext, stop: asyncio.Event, wait: float = 1.0) -> None:
    """Park every message named by an advisory until ``stop`` is set."""
    config = ConsumerConfig(durable_name=ADVISORY_KEEPER, ack_policy=AckPolicy.EXPLICIT)
    await js.add_consumer(ADVISORIES_STREAM, config)
    subscription = await js.pull_subscribe_bind(durable=ADVISORY_KEEPER, stream=ADVISORIES_STREAM)
    try:
        while not stop.is_set():
            try:
                messages = await subscription.fetch(16, timeout=wait)
            except (NatsTimeout, TimeoutError):
                continue
            except Exception:  # no leader for a moment (a node went away): ask again
                log.warning("fetching advisories failed; trying again", exc_info=True)
                await asyncio.sleep(wait)
                continue
            for message in messages:
                await _settle(js, message)
    finally:
        await subscription.unsubscribe()


async def _settle(js: JetStreamContext, message: Msg) -> None:
    try:
        await park(js, MaxDeliveries.parse(message.data))
        await message.ack()
    except Exception:  # left unacknowledged, the advisory comes back after the ack wait
        log.exception("could not park the message of advisory %s", message.subject)
