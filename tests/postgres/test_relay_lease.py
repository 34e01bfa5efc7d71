"""Two relays on one outbox: only the lease holder publishes, and every row goes out once.

The lease is a PostgreSQL advisory lock on a session of the relay's own
(``choreography/relay_lease.py``); a relay whose session ends (it died, or
released it) hands over to the standby on its next try.
"""

import asyncio
from collections import Counter
from collections.abc import Sequence

from choreography.relay import Outgoing, Relay
from choreography.relay_lease import AdvisoryLease
from choreography.runtime import open_bus
from choreography.store import SqlStore
from infra.database import make_engine, make_session_factory
from infra.settings import Settings
from tests.support import place_order

ORDERS = 30


class RecordingBroker:
    """Stands in for JetStream at the edge: keeps every publish, message ids included."""

    def __init__(self) -> None:
        self.published: list[str] = []

    async def publish_batch(self, messages: Sequence[Outgoing]) -> int:
        for message in messages:
            self.published.append(message.message_id)
            await asyncio.sleep(0)  # let the other relay run between publishes
        return len(messages)


async def test_only_one_relay_holds_the_lease_until_it_lets_go(postgres_url: str) -> None:
    first, second = make_engine(postgres_url), make_engine(postgres_url)
    try:
        holder, standby = AdvisoryLease(first), AdvisoryLease(second)
        assert await holder.held()
        assert not await standby.held()
        assert await holder.held()  # still its own on the next batch

        await holder.release()
        assert await standby.held()
        assert not await holder.held()
        await standby.release()
    finally:
        await first.dispose()
        await second.dispose()


async def test_two_relays_publish_every_outbox_row_exactly_once(postgres_url: str) -> None:
    settings = Settings(_env_file=None, env="test", database_url=postgres_url, smtp_host=None)
    async with open_bus(settings) as bus:
        for n in range(ORDERS):
            await bus.execute(place_order(f"lease-{n}"))
        broker = RecordingBroker()
        engines = [make_engine(postgres_url) for _ in range(2)]
        stop = asyncio.Event()
        relays = [
            Relay(SqlStore(make_session_factory(e)), broker, batch=5, lease=AdvisoryLease(e))
            for e in engines
        ]
        runs = [asyncio.create_task(r.run(stop, idle=0.01, standby=0.01)) for r in relays]
        try:
            async with asyncio.timeout(60):
                while True:
                    if not await bus.deps.store.unsent(1):
                        break
                    await asyncio.sleep(0.05)
        finally:
            stop.set()
            await asyncio.gather(*runs)
            for engine in engines:
                await engine.dispose()

    assert len(broker.published) == ORDERS
    assert Counter(broker.published).most_common(1)[0][1] == 1
