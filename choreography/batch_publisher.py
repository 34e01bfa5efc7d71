"""``relay.Publisher`` on JetStream: a whole batch on the wire first, then its acks.

Every message is sent with ``publish_async`` on one connection, so the stream
receives and stores them in the order sent, and the relay waits once for the
batch instead of a round trip per message. Only the acknowledged prefix
counts: a message after a refused or unanswered one may be stored, but the
relay sends it again from the refused one on, with the same ``Nats-Msg-Id``,
and JetStream drops the repeat.
"""

import asyncio
import logging
from collections.abc import Sequence

from nats.js import JetStreamContext
from nats.js.api import PubAck

from choreography.names import MSG_ID
from choreography.relay import Outgoing

log = logging.getLogger("pizzeria.relay")
ACK_TIMEOUT_SECONDS = 5.0


class JetStreamPublisher:
    """Publishes a batch with async acks and counts the acknowledged prefix."""

    def __init__(self, js: JetStreamContext, timeout: float = ACK_TIMEOUT_SECONDS) -> None:
        self._js = js
        self._timeout = timeout

    async def publish_batch(self, messages: Sequence[Outgoing]) -> int:
        """Send every message, then wait (at most ``timeout`` s) for the acks in order."""
        acks: list[asyncio.Future[PubAck]] = []
        try:
            for message in messages:
                acks.append(await self._send(message))
            return await self._acknowledged_prefix(acks)
        finally:
            for ack in acks:
                _settle(ack)

    async def _send(self, message: Outgoing) -> asyncio.Future[PubAck]:
        headers = {**message.headers, MSG_ID: message.message_id}
        return await self._js.publish_async(message.subject, message.body, headers=headers)

    async def _acknowledged_prefix(self, acks: Sequence[asyncio.Future[PubAck]]) -> int:
        stored = 0
        try:
            async with asyncio.timeout(self._timeout):
                for ack in acks:
                    await ack
                    stored += 1
        except Exception as failure:  # refused, or no answer in time: the rest goes out again
            log.warning("JetStream stored %d of %d messages: %r", stored, len(acks), failure)
        return stored


def _settle(ack: asyncio.Future[PubAck]) -> None:
    """Stop waiting for an ack nobody reads any more, and read any error it ended with."""
    if not ack.done():
        ack.cancel()
    elif not ack.cancelled():
        ack.exception()
