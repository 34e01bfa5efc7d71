"""Only one relay publishes at a time: a lease held as a PostgreSQL advisory lock.

Two relays publishing one outbox would each send the same rows (JetStream's
``Nats-Msg-Id`` window drops most repeats, but not one older than the window,
and two publishers also lose the commit order). So every relay asks for the
same session-level advisory lock on a connection of its own; the one that gets
it publishes, the others stand by and ask again every ``retry_seconds``. The
lease ends with its session: a relay that dies (even by SIGKILL) closes its
socket, PostgreSQL drops the lock, and a standby takes over on its next try.
The holder checks its session before every batch, so a relay whose connection
broke stops publishing before another can have taken over.

SQLite is one file on one machine, where one relay runs: there the lease is
always held (``AlwaysHeld``).
"""

import logging
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger("pizzeria.relay")
# Any fixed 64-bit number, the same in every relay: "the outbox relay's lease".
LEASE_KEY = 0x70697A7A61_01


class Lease(Protocol):
    """Whether this process may publish now."""

    async def held(self) -> bool:
        """True while this process holds the lease (taking it when it is free)."""

    async def release(self) -> None:
        """Give the lease up (stopping)."""


class AlwaysHeld:
    """The lease of a database only one machine can use (SQLite)."""

    async def held(self) -> bool:
        """Always."""
        return True

    async def release(self) -> None:
        """Nothing to give up."""


class AdvisoryLease:
    """The relay lease as ``pg_try_advisory_lock`` on a session of its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._session: AsyncConnection | None = None

    async def held(self) -> bool:
        """Check the session that holds the lock, or try to take it on a new one."""
        try:
            if self._session is not None:
                await self._session.execute(text("SELECT 1"))
                return True
            return await self._take()
        except Exception:  # the database is away: whatever we held is gone with the session
            log.warning("relay lease lost (database unreachable); standing by")
            await self._drop()
            return False

    async def _take(self) -> bool:
        session = await self._engine.connect()
        # Autocommit: the lock is the session's, and no transaction stays open beside it.
        await session.execution_options(isolation_level="AUTOCOMMIT")
        taken = await session.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEASE_KEY})
        if taken:
            self._session = session
            log.info("relay lease taken: this relay publishes")
        else:
            await session.close()
        return bool(taken)

    async def release(self) -> None:
        """Unlock by ending the session."""
        await self._drop()

    async def _drop(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            try:
                # Invalidate, not close: a pooled connection would keep the session and its lock.
                await session.invalidate()
                await session.close()
            except Exception:  # already broken: closing it is all that was left to do
                log.debug("closing a broken lease session failed", exc_info=True)


def lease_for(engine: AsyncEngine) -> Lease:
    """The advisory lease on PostgreSQL; on SQLite, the one relay always holds it."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLease(engine)
    return AlwaysHeld()
