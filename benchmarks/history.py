"""History events per order, counted on a sample of finished workflows."""

import asyncio
import contextlib
from collections.abc import Sequence

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from benchmarks.results import History

SAMPLE = 5
WAIT_SECONDS = 60.0
COUNTED = {
    "activities": EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    "local_activities": EventType.EVENT_TYPE_MARKER_RECORDED,
    "updates": EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    "signals": EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    "workflow_tasks": EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
}


async def _counts(client: Client, workflow_id: str) -> dict[str, int]:
    handle = client.get_workflow_handle(workflow_id)
    # The saga completes after its last notification: wait, so the history is whole.
    with contextlib.suppress(Exception):
        await asyncio.wait_for(handle.result(), WAIT_SECONDS)
    history = await handle.fetch_history()
    types = [event.event_type for event in history.events]
    counts = {name: types.count(kind) for name, kind in COUNTED.items()}
    return counts | {"events": len(types)}


async def sample_history(client: Client, workflow_ids: Sequence[str]) -> History:
    """Mean events, activities, local activities, updates, signals and workflow tasks."""
    sample = list(workflow_ids)[:SAMPLE]
    if not sample:
        return History()
    all_counts = await asyncio.gather(*(_counts(client, wid) for wid in sample))
    means = {key: sum(c[key] for c in all_counts) / len(all_counts) for key in all_counts[0]}
    return History(sampled=len(sample), **means)
