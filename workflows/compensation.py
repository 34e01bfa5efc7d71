"""The compensation stack: undo steps registered before each step, unwound in reverse.

Each undo is idempotent (its service call carries a key derived from the
workflow id and the step), runs shielded from cancellation, and a failure is
recorded and the unwinding goes on: a failed compensation is never dropped.
"""

import asyncio
from collections.abc import Awaitable, Callable

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from services.messages import CompensationRecord

Undo = Callable[[], Awaitable[object]]


class CompensationStack:
    """Undo actions in registration order; ``unwind`` runs them newest first."""

    def __init__(self) -> None:
        self._undos: list[tuple[str, Undo]] = []
        self.records: list[CompensationRecord] = []

    def register(self, step: str, undo: Undo) -> None:
        """Remember how to undo ``step``; call before the step runs."""
        self._undos.append((step, undo))

    async def unwind(self) -> list[CompensationRecord]:
        """Run every undo in reverse order, even if the workflow is being cancelled."""
        task = asyncio.create_task(self._run_all())
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            await task  # the undos keep running; cancellation must not half-compensate
        return self.records

    async def _run_all(self) -> None:
        while self._undos:
            step, undo = self._undos.pop()
            try:
                await undo()
                self.records.append(CompensationRecord(step=step, outcome="done"))
            except ActivityError as failure:
                cause = failure.cause or failure
                workflow.logger.error("compensation %s failed: %s", step, cause)
                self.records.append(
                    CompensationRecord(step=step, outcome="failed", detail=str(cause))
                )
