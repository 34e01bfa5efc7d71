"""Running one service's durable consumer: fetch, hand to the bus, ack, retry or dead-letter.

A message that fails is negatively acknowledged with a growing delay; on its
last attempt the handler is told so (``Delivery.final``) and may settle it as
a business outcome (PaymentFailed, NotificationFailed). A compensation (a
refund, a release, a ticket cancellation) is never given up on: it is tried
again and again at the longest delay. Anything else that still fails goes to
``pizzeria.deadletters.<consumer>`` with the error and is
terminated, so it is never redelivered on its own: ``pizzeria deadletters``
lists and replays it. Nothing a message does ends the loop: a failed ack, nak
or dead-letter publish is logged and the message, still unacknowledged, comes
back after the ack wait (the inbox skips what was already done).
"""

import asyncio
import json
import logging
from dataclasses import dataclass

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext

from choreography.bus import MessageBus
from choreography.model import Delivery
from choreography.names import (
    EVENTS_STREAM,
    HEADER_ATTEMPTS,
    HEADER_CONSUMER,
    HEADER_ERROR,
    HEADER_SUBJECT,
    MSG_ID,
    dead_letter_subject,
)
from domain.event_codec import MalformedCloudEvent, from_json
from domain.events import Event
from infra.logs import order_context
from infra.metrics import DEAD_LETTERS
from infra.trace_context import consume_span

log = logging.getLogger("pizzeria.consumers")


@dataclass(frozen=True)
class RetryPolicy:
    """How often a message is tried and how long to wait between tries."""

    max_attempts: int = 5
    backoff: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 5.0)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based)."""
        return self.backoff[min(attempt, len(self.backoff)) - 1]


class ServiceConsumer:
    """One durable consumer's loop: batches in, each message handled once.

    A batch's messages are handled side by side; an ``in_order`` consumer handles
    one order's messages one after the other, in stream order, and different
    orders side by side.
    """

    def __init__(
        self,
        js: JetStreamContext,
        bus: MessageBus,
        name: str,
        policy: RetryPolicy = RetryPolicy(),
        in_order: bool = False,
        batch: int = 64,
        fetch_seconds: float = 1.0,
    ) -> None:
        self._js = js
        self._bus = bus
        self.name = name
        self._policy = policy
        self._in_order = in_order
        self._batch = batch
        self._fetch_seconds = fetch_seconds

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch and handle until ``stop`` is set."""
        subscription = await self._js.pull_subscribe_bind(durable=self.name, stream=EVENTS_STREAM)
        try:
            while not stop.is_set():
                messages = await self._fetch(subscription)
                if self._in_order:
                    await asyncio.gather(*(self._in_turn(same) for same in by_order(messages)))
                else:
                    await asyncio.gather(*(self.handle(message) for message in messages))
        finally:
            await subscription.unsubscribe()

    async def _in_turn(self, messages: list[Msg]) -> None:
        for message in messages:
            await self.handle(message)

    async def _fetch(self, subscription: JetStreamContext.PullSubscription) -> list[Msg]:
        try:
            return await subscription.fetch(self._batch, timeout=self._fetch_seconds)
        except (NatsTimeout, TimeoutError):
            return []
        except Exception:  # the connection is away: the client reconnects, we try again
            log.exception("%s: fetching failed; trying again", self.name)
            await asyncio.sleep(1.0)
            return []

    async def handle(self, message: Msg) -> None:
        """Handle one message and settle it with the broker; never raises."""
        try:
            await self._handle(message)
        except Exception:  # unsettled, the broker redelivers it after the ack wait
            log.exception("%s: could not settle a message on %s", self.name, message.subject)

    async def _handle(self, message: Msg) -> None:
        attempt = message.metadata.num_delivered or 1
        try:
            event = from_json(message.data)
        except (MalformedCloudEvent, ValueError) as unreadable:
            await self._dead_letter(message, attempt, unreadable)
            return
        final = attempt >= self._policy.max_attempts
        delivery = Delivery(event=event, attempt=attempt, final=final)
        try:
            with (
                consume_span(self.name, message.subject, message.headers),
                order_context(event.order_id),
            ):
                await self._bus.deliver(self.name, delivery)
        except Exception as failure:  # any handler failure: retry, then dead-letter
            await self._failed(message, event, attempt, final, failure)
            return
        await message.ack()

    async def _failed(
        self, message: Msg, event: Event, attempt: int, final: bool, failure: Exception
    ) -> None:
        log.warning(
            "%s: %s %s failed (attempt %d): %s",
            self.name,
            event.type,
            event.event_id,
            attempt,
            failure,
        )
        if final and not self._bus.undoes(self.name, event):
            await self._dead_letter(message, attempt, failure)
        else:  # an undo keeps trying at the longest delay, as the saga's compensation does
            await message.nak(delay=self._policy.delay(attempt))

    async def _dead_letter(self, message: Msg, attempt: int, failure: Exception) -> None:
        original_id = (message.headers or {}).get(MSG_ID, "")
        headers = {
            HEADER_CONSUMER: self.name,
            HEADER_SUBJECT: message.subject,
            HEADER_ERROR: f"{type(failure).__name__}: {failure}"[:1000],
            HEADER_ATTEMPTS: str(attempt),
            MSG_ID: f"{self.name}/{original_id}/{message.metadata.sequence.stream}",
        }
        await self._js.publish(dead_letter_subject(self.name), message.data, headers=headers)
        await message.term()
        DEAD_LETTERS.labels(self.name).inc()


def by_order(messages: list[Msg]) -> list[list[Msg]]:
    """The batch split by order (the CloudEvent's ``subject``), each order's in stream order."""
    orders: dict[str, list[Msg]] = {}
    for message in messages:
        orders.setdefault(_order_of(message), []).append(message)
    return list(orders.values())


def _order_of(message: Msg) -> str:
    try:
        return str(json.loads(message.data).get("subject", ""))
    except (ValueError, AttributeError):  # unreadable: _handle dead-letters it
        return ""
