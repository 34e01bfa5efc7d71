"""The compensation stack: undo steps registered before each step, unwound in reverse.

Each undo is idempotent (its service call carries a key derived from the
workflow id and the step), runs shielded from cancellation, and a failure is
recorded and the unwinding goes on: a failed compensation is never dropped.
An undo still failing past its retry bound stays ``stuck``: the order needs a
person (``workflows.attention``), and the stuck undos can be tried again or
marked resolved. ``records`` holds one line per step, its latest outcome.
"""

import asyncio
from collections.abc import Awaitable, Callable

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from workflows.patches import patched
from workflows.policies import COMPENSATION_RETRY

with workflow.unsafe.imports_passed_through():
    from services.messages import CompensationRecord

Undo = Callable[[RetryPolicy], Awaitable[object]]
"""An undo, run with the retry policy of the round it is in."""

PATCH_UNDO_UNTIL_DONE = "compensation-waits-for-a-person"


class CompensationStack:
    """Undo actions in registration order; ``unwind`` runs them newest first."""

    def __init__(self) -> None:
        self._undos: list[tuple[str, Undo]] = []
        self.records: list[CompensationRecord] = []
        self.stuck: list[tuple[str, Undo]] = []

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

    async def retry_stuck(self, retry: RetryPolicy) -> None:
        """Run the stuck undos again, in unwinding order; those that fail again stay stuck."""
        # The order needs a person until the round has ended: ``stuck`` changes only then.
        still = [
            (step, undo) for step, undo in self.stuck if not await self._attempt(step, undo, retry)
        ]
        self.stuck = still

    def resolve_stuck(self, detail: str) -> None:
        """A person has settled the stuck undos by hand: nothing is tried any more."""
        for step, _ in self.stuck:
            self._set(CompensationRecord(step=step, outcome="resolved", detail=detail))
        self.stuck = []

    async def _run_all(self) -> None:
        while self._undos:
            step, undo = self._undos.pop()
            # Orders started before the patch recorded the failure and went on, as they did.
            done = await self._attempt(step, undo, COMPENSATION_RETRY)
            if not done and patched(PATCH_UNDO_UNTIL_DONE):
                self.stuck.append((step, undo))

    async def _attempt(self, step: str, undo: Undo, retry: RetryPolicy) -> bool:
        try:
            await undo(retry)
        except ActivityError as failure:
            cause = failure.cause or failure
            workflow.logger.error("compensation %s failed: %s", step, cause)
            self._set(CompensationRecord(step=step, outcome="failed", detail=str(cause)))
            return False
        self._set(CompensationRecord(step=step, outcome="done"))
        return True

    def _set(self, record: CompensationRecord) -> None:
        """The step's latest outcome replaces its earlier one, in place."""
        for index, existing in enumerate(self.records):
            if existing.step == record.step:
                self.records[index] = record
                return
        self.records.append(record)
