"""Runtime fault injection: make a provider go down, slow down or decline, on demand.

Faults live in a table, so the API process can set one and every worker
process obeys it on its next call. A fault with ``remaining`` affects that many
calls and then clears itself; the count goes down with one atomic UPDATE so
racing workers never consume the same unit twice.

Built ``enabled=False`` (production: ``Settings.faults_on()``), the injector
never touches the table: a provider call costs no query, and setting a fault
is refused, since no process would obey it.
"""

from asyncio import sleep
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col

from domain.errors import ProviderUnavailable
from infra.database import transaction
from services.messages import Fault
from services.sql import upsert

PROVIDERS: frozenset[str] = frozenset({"payments", "sms", "email", "inventory", "kitchen"})


class FaultRow(SQLModel, table=True):
    """One active fault per provider."""

    __tablename__ = "faults_active"

    provider: str = Field(primary_key=True, max_length=32)
    mode: str = Field(max_length=16)
    remaining: int | None = None
    delay_seconds: float = 0.0

    def to_fault(self) -> Fault:
        """The message form of this row."""
        mode: Literal["down", "slow", "decline"] = self.mode  # type: ignore[assignment]
        return Fault(mode=mode, remaining=self.remaining, delay_seconds=self.delay_seconds)


def _known(provider: str) -> str:
    if provider not in PROVIDERS:
        raise ValueError(f"unknown provider '{provider}'; choose one of {sorted(PROVIDERS)}")
    return provider


class FaultInjector:
    """Sets, clears and applies faults; services call ``before_call`` before each provider call."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], enabled: bool = True) -> None:
        self._sessions = sessions
        self.enabled = enabled

    async def set(self, provider: str, fault: Fault) -> None:
        """Make ``provider`` misbehave as ``fault`` says, replacing any fault it had."""
        if not self.enabled:
            raise ValueError("fault injection is disabled here (PIZZERIA_FAULTS_ENABLED)")
        values = {"provider": _known(provider), **fault.model_dump()}
        async with transaction(self._sessions) as session:
            await upsert(session, FaultRow, values, key=["provider"])

    async def clear(self, provider: str) -> None:
        """Let ``provider`` behave again."""
        async with transaction(self._sessions) as session:
            await session.execute(
                delete(FaultRow).where(col(FaultRow.provider) == _known(provider))
            )

    async def active(self) -> dict[str, Fault]:
        """Every fault in force, by provider."""
        async with self._sessions() as session:
            rows = (await session.execute(select(FaultRow))).scalars().all()
        return {row.provider: row.to_fault() for row in rows}

    async def before_call(self, provider: str) -> Fault | None:
        """Apply the provider's fault to one call: raise if down, wait if slow, else return it."""
        _known(provider)
        if not self.enabled:
            return None  # production: no fault can be in force, so no query either
        fault = await self._consume(provider)
        if fault is None:
            return None
        if fault.mode == "down":
            raise ProviderUnavailable(f"{provider} is unavailable (injected fault)")
        if fault.mode == "slow":
            await sleep(fault.delay_seconds)
        return fault

    async def _consume(self, provider: str) -> Fault | None:
        async with self._sessions() as session:
            row = await session.get(FaultRow, provider)
        if row is None or row.remaining is None:
            return row.to_fault() if row is not None else None
        return await self._consume_counted(provider)

    async def _consume_counted(self, provider: str) -> Fault | None:
        # Write first: the UPDATE takes the lock, so the count and the read agree.
        where = col(FaultRow.provider) == provider
        async with transaction(self._sessions) as session:
            taken = await session.execute(
                update(FaultRow)
                .where(where, col(FaultRow.remaining) >= 1)
                .values(remaining=col(FaultRow.remaining) - 1)
                .returning(col(FaultRow.mode), col(FaultRow.remaining), col(FaultRow.delay_seconds))
            )
            claimed = taken.first()
            await session.execute(delete(FaultRow).where(where, col(FaultRow.remaining) <= 0))
        if claimed is None:
            return None
        mode, left, delay = claimed
        # ``left`` counts the calls after this one; the fault as this call saw it had one more.
        return Fault(mode=mode, remaining=(left or 0) + 1, delay_seconds=delay)
