"""The outbox bell: a process that commits outbox rows rings it, and the relay wakes at once.

A ring is one core NATS message on ``OUTBOX_NEWS`` (nothing stored, no ack),
sent after the transaction has committed, so the relay that hears it reads the
new rows. It is only a hint: a ring lost while reconnecting, or a commit from
a process without a bell, waits for the relay's idle poll instead.
"""

import asyncio
import logging

from nats.aio.client import Client

from choreography.names import OUTBOX_NEWS

log = logging.getLogger("pizzeria.relay")


class OutboxBell:
    """``ports.Bell`` on a NATS connection."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def ring(self) -> None:
        """Tell the relay the outbox has news; never raises (the relay polls anyway)."""
        try:
            await self._client.publish(OUTBOX_NEWS)
        except Exception:  # disconnected: the relay's idle poll picks the rows up
            log.debug("could not ring the outbox bell", exc_info=True)


async def listen_for_news(client: Client) -> asyncio.Event:
    """An event set whenever somebody rings the bell (the relay clears it before each pump)."""
    news = asyncio.Event()

    async def heard(_: object) -> None:
        news.set()

    await client.subscribe(OUTBOX_NEWS, cb=heard)
    return news
