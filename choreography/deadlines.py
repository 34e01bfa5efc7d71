"""Deadlines: a swept table of due stages that emits OrderDelayed, never cancels.

Command handlers schedule a stage's deadline when the order enters it and
settle it when the order leaves it (``model.move``). The sweeper claims each
passed deadline with a conditional update, so two sweepers announce it once.
"""

import asyncio
import logging

from choreography.deps import Deps
from choreography.model import Change, Deadline
from domain.events import OrderDelayed

log = logging.getLogger("pizzeria.deadlines")
SWEEP_SECONDS = 1.0
BATCH = 100


async def sweep(deps: Deps) -> int:
    """Announce every passed deadline once; how many this sweep announced."""
    announced = 0
    for deadline in await deps.store.due(deps.clock(), BATCH):
        if await deps.store.commit(Change(events=(_delayed(deadline, deps),), fire=deadline)):
            announced += 1
    return announced


def _delayed(deadline: Deadline, deps: Deps) -> OrderDelayed:
    return deps.stamped(
        OrderDelayed,
        deadline.order_id,
        f"delayed/{deadline.stage}",
        stage=deadline.stage,
        deadline=deadline.due_at,
    )


async def run_sweeper(deps: Deps, stop: asyncio.Event, every: float = SWEEP_SECONDS) -> None:
    """Sweep every ``every`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            await sweep(deps)
        except Exception:  # the database is away: log and try on the next tick
            log.exception("deadline sweep failed")
        try:
            await asyncio.wait_for(stop.wait(), every)
        except TimeoutError:
            continue
