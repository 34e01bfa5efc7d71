"""Undos past their retry bound wait for a person, and are tried on meanwhile.

While anything is stuck the order ``needs_attention`` (search attribute
``NeedsAttention``, read model, ``GET /admin/orders?needs_attention=true``).
The stuck undos get a short round of tries on a durable timer that doubles
from five minutes to four hours, and at once when an admin asks (``retry``),
until they are done or an admin marks them settled by hand (``resolve``): a
compensation is never just given up, and the workflow stays open meanwhile.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Literal

from temporalio import workflow

from workflows.compensation import CompensationStack
from workflows.policies import ATTENTION_RETRY, FIRST_RECHECK, LONGEST_RECHECK

Ask = Literal["retry", "resolve"]


class AttentionDesk:
    """Keeps trying the stuck undos and takes an admin's retry or resolve."""

    def __init__(self, undo: CompensationStack, record: Callable[[], Awaitable[None]]) -> None:
        self._undo = undo
        self._record = record
        self._asked: Ask | None = None
        self._resolution = ""
        self._rounds = 0
        self._busy = False

    @property
    def needed(self) -> bool:
        """Whether an undo is stuck and waits for a person."""
        return bool(self._undo.stuck)

    async def keep_trying(self) -> None:
        """Until nothing is stuck: wait for an admin or the next timer, then try or settle."""
        wait = FIRST_RECHECK
        while self.needed:
            if not await self._asked_within(wait):
                wait = min(wait * 2, LONGEST_RECHECK)
            await self._round()

    async def retry(self) -> None:
        """An admin asks for another round now; returns once that round has ended."""
        # A round already running started before this request: wait for the next one.
        after = self._rounds + (2 if self._busy else 1)
        self._asked = self._asked or "retry"
        await workflow.wait_condition(lambda: self._rounds >= after or not self.needed)

    async def resolve(self, detail: str) -> None:
        """An admin settled the stuck undos by hand; returns once they are marked so."""
        self._resolution = detail
        self._asked = "resolve"
        await workflow.wait_condition(lambda: not self.needed)

    async def _asked_within(self, wait: timedelta) -> bool:
        try:
            await workflow.wait_condition(lambda: self._asked is not None, timeout=wait)
        except TimeoutError:
            return False
        return True

    async def _round(self) -> None:
        asked, self._asked = self._asked, None
        self._busy = True
        if asked == "resolve":
            self._undo.resolve_stuck(self._resolution)
        else:
            await self._undo.retry_stuck(ATTENTION_RETRY)
        self._busy = False
        self._rounds += 1
        await self._record()  # the flag and the outcomes reach the read model
