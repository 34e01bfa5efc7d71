"""One change feed per process: a batched read of the orders view fanned out to every listener.

Pages' live streams and ``GET /orders/{id}?wait_for=`` subscribe here instead
of asking each order's workflow: one query every ``interval`` seconds serves
every listener, however many there are. The feed polls only while someone
listens. A listener that does not keep up is not queued for: its pending
changes are capped and, past the cap, it is told that it missed some
(``Batch.overflowed``) and should re-read what it shows.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from domain.order import TERMINAL, OrderStatus
from services.changes import Change, OrderChanges

log = logging.getLogger(__name__)
# Writers stamp updated_at before they commit; a row may appear this much behind the newest.
LOOKBACK_MICROS = 2_000_000
MAX_PENDING = 1000
HAPPY_PATH = list(OrderStatus)[:6]  # PLACED … DELIVERED, in the order an order goes


@dataclass
class Batch:
    """What a listener gets: the changes since its last batch, or word that it fell behind."""

    changes: list[Change] = field(default_factory=list)
    overflowed: bool = False


class Subscription:
    """One listener's mailbox: pending changes and a flag that wakes it."""

    def __init__(self) -> None:
        self._pending: list[Change] = []
        self._overflowed = False
        self._wake = asyncio.Event()

    def offer(self, changes: list[Change]) -> None:
        """Hand ``changes`` over; past the cap, drop them and remember that some were lost."""
        if len(self._pending) + len(changes) > MAX_PENDING:
            self._pending.clear()
            self._overflowed = True
        else:
            self._pending.extend(changes)
        self._wake.set()

    async def next(self, within: float) -> Batch:
        """The changes since the last call; an empty batch when ``within`` s pass without any."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._wake.wait()
        batch = Batch(self._pending, self._overflowed)
        self._pending, self._overflowed = [], False
        self._wake.clear()
        return batch


class ChangeFeed:
    """Polls ``OrderChanges`` while anyone listens and tells every subscription what changed."""

    def __init__(self, source: Callable[[], OrderChanges], interval: float = 0.2) -> None:
        """``source`` is asked for the reads the first time anyone listens."""
        self._source_of = source
        self._interval = interval
        self._subscriptions: set[Subscription] = set()
        self._seen: dict[tuple[str, int], None] = {}
        self._task: asyncio.Task[None] | None = None
        self._source: OrderChanges | None = None
        self.version = 0
        """The newest change the feed has passed on (microseconds since the epoch)."""

    @property
    def listeners(self) -> int:
        """How many subscriptions are open."""
        return len(self._subscriptions)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscription]:
        """A subscription for the ``async with`` block; the feed stops polling after the last."""
        subscription = Subscription()
        if self._task is None or self._task.done():
            self._source = self._source_of()
            await self._catch_up()
            self._task = asyncio.create_task(self._poll(), name="change-feed")
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    async def _catch_up(self) -> None:
        """Start from now: what is already written is the listeners' starting point, not news."""
        assert self._source is not None
        self.version = max(self.version, await self._source.latest())
        for change in await self._source.since(self.version - LOOKBACK_MICROS):
            self._seen[(change.order_id, change.version)] = None

    async def close(self) -> None:
        """Stop polling (the app is shutting down)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def poll_once(self) -> list[Change]:
        """Read what is new, pass it to every subscription, and return it."""
        assert self._source is not None, "poll_once runs only while someone listens"
        fresh = [
            change
            for change in await self._source.since(self.version - LOOKBACK_MICROS)
            if (change.order_id, change.version) not in self._seen
        ]
        for change in fresh:
            self._seen[(change.order_id, change.version)] = None
            self.version = max(self.version, change.version)
        self._forget_older_than(self.version - LOOKBACK_MICROS)
        if fresh:
            for subscription in list(self._subscriptions):
                subscription.offer(fresh)
        return fresh

    def _forget_older_than(self, version: int) -> None:
        for key in [key for key in self._seen if key[1] <= version]:
            del self._seen[key]

    async def _poll(self) -> None:
        while self._subscriptions:
            try:
                await self.poll_once()
            except Exception:  # a database hiccup must not end the feed for every listener
                log.warning("change feed: reading the orders view failed", exc_info=True)
            await asyncio.sleep(self._interval)


def reached(current: OrderStatus, target: OrderStatus) -> bool:
    """Whether an order in ``current`` is at or past ``target``, or can go no further."""
    if current == target or current in TERMINAL:
        return True
    if current in HAPPY_PATH and target in HAPPY_PATH:
        return HAPPY_PATH.index(current) >= HAPPY_PATH.index(target)
    return False


async def wait_for_status(
    feed: ChangeFeed,
    order_id: str,
    target: OrderStatus,
    seconds: float,
    current: Callable[[], Awaitable[OrderStatus | None]],
) -> None:
    """Return once ``order_id`` reached ``target`` (see ``reached``) or after ``seconds``.

    ``current`` reads the order's status (the read model) once, after subscribing,
    so a change between the read and the subscription cannot be missed.
    """
    with contextlib.suppress(TimeoutError):
        async with feed.subscribe() as subscription, asyncio.timeout(seconds):
            status = await current()
            while status is None or not reached(status, target):
                batch = await subscription.next(seconds)
                mine = [c.status for c in batch.changes if c.order_id == order_id]
                status = mine[-1] if mine else (await current() if batch.overflowed else status)
