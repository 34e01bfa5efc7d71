"""Record the histories the replay suite checks: ``python -m tests.replay.record [SUFFIX]``.

Runs the saga on a fresh dev server with the real worker and writes one JSON
history per scenario to tests/replay/histories/<scenario><SUFFIX>.json. Never
overwrite old files: they stand for orders already running. After a change
guarded by ``workflow.patched``, record new ones under a new suffix.

Payloads are encrypted with ``tests.support.TEST_CODEC_KEY``, as a real worker
encrypts with its first configured key; the files recorded before the codec
(no ``-enc`` in their name) hold clear payloads, which the codec passes through.
"""

import asyncio
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHandle, WorkflowUpdateStage
from temporalio.testing import WorkflowEnvironment

from api.temporal_gateway import initial_search_attributes
from domain.commands import (
    CancelOrder,
    MarkDelivered,
    PickUp,
    StartCooking,
)
from domain.events import OrderReady
from domain.order import OrderStatus
from infra.binaries import binary
from infra.database import make_engine, make_session_factory
from infra.settings import Settings
from services.container import Services, build_services, prepare_database
from services.messages import Fault
from tests.support import (
    drive_to_delivered,
    encrypted_converter,
    place_order,
    status_is,
    wait_for_state,
)
from worker import build_worker
from workflows.contracts import OrderInput, RetryCompensation
from workflows.names import (
    SIGNAL_DOMAIN_EVENT,
    UPDATE_CANCEL,
    UPDATE_MARK_DELIVERED,
    UPDATE_PICK_UP,
    UPDATE_RETRY_COMPENSATION,
    UPDATE_START_COOKING,
    search_attribute_flags,
    workflow_id,
)
from workflows.order import OrderWorkflow
from workflows.story import order_summary

HISTORIES = Path(__file__).parent / "histories"
Handle = WorkflowHandle[Any, Any]


async def delivered(handle: Handle, services: Services, order_id: str) -> None:
    await wait_for_state(handle, status_is(OrderStatus.CONFIRMED))
    await drive_to_delivered(handle, order_id)


async def cancelled(handle: Handle, services: Services, order_id: str) -> None:
    await wait_for_state(handle, status_is(OrderStatus.CONFIRMED))
    await handle.execute_update(UPDATE_CANCEL, CancelOrder(order_id=order_id))


async def payment_declined(handle: Handle, services: Services, order_id: str) -> None:
    await handle.result()


async def operator_cancelled(handle: Handle, services: Services, order_id: str) -> None:
    await wait_for_state(handle, status_is(OrderStatus.CONFIRMED))
    await handle.cancel()


async def early_ready(handle: Handle, services: Services, order_id: str) -> None:
    await wait_for_state(handle, status_is(OrderStatus.CONFIRMED))
    ready = OrderReady(event_id=uuid.uuid4(), order_id=order_id, occurred_at=datetime.now(UTC))
    await handle.signal(SIGNAL_DOMAIN_EVENT, ready)
    await wait_for_state(handle, lambda state: state.held_events == ["OrderReady"])
    await handle.execute_update(UPDATE_START_COOKING, StartCooking(order_id=order_id))
    await wait_for_state(handle, status_is(OrderStatus.READY))
    await handle.execute_update(UPDATE_PICK_UP, PickUp(order_id=order_id, driver_id="driver-7"))
    await handle.execute_update(UPDATE_MARK_DELIVERED, MarkDelivered(order_id=order_id))


async def refund_stuck(handle: Handle, services: Services, order_id: str) -> None:
    """Payments down through the refund's retry bound (minutes), then an admin's retry."""
    await wait_for_state(handle, status_is(OrderStatus.CONFIRMED))
    await services.faults.set("payments", Fault(mode="down"))
    cancel = CancelOrder(order_id=order_id)
    await handle.start_update(UPDATE_CANCEL, cancel, wait_for_stage=WorkflowUpdateStage.ACCEPTED)
    await wait_for_state(handle, lambda s: s.needs_attention, advance_time=_pause, attempts=600)
    await services.faults.clear("payments")
    await handle.execute_update(UPDATE_RETRY_COMPENSATION, RetryCompensation(order_id=order_id))


async def _pause() -> None:
    await asyncio.sleep(1)


SCENARIOS: dict[str, Callable[[Handle, Services, str], Awaitable[None]]] = {
    "delivered": delivered,
    "cancelled": cancelled,
    "payment_declined": payment_declined,
    "operator_cancelled": operator_cancelled,
    "early_ready": early_ready,
    "refund_stuck": refund_stuck,
}


async def record(suffix: str = "") -> None:
    """Run every scenario and write its history."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(binary("temporal")),
        data_converter=encrypted_converter(),
        ip="127.0.0.1",
        dev_server_extra_args=search_attribute_flags(),
    )
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(
            _env_file=None, env="test", database_url=f"sqlite+aiosqlite:///{data}/r.db"
        )
        engine = make_engine(settings.database_url)
        services = build_services(settings, make_session_factory(engine))
        await prepare_database(engine, services)
        try:
            async with build_worker(env.client, services, task_queue="replay-recording"):
                for name, drive in SCENARIOS.items():
                    await _record_one(env, services, name + suffix, drive)
        finally:
            await engine.dispose()
            await env.shutdown()


async def _record_one(
    env: WorkflowEnvironment,
    services: Services,
    name: str,
    drive: Callable[[Handle, Services, str], Awaitable[None]],
) -> None:
    await services.faults.clear("payments")
    if name.startswith("payment_declined"):
        await services.faults.set("payments", Fault(mode="decline"))
    order_id = f"replay-{name}-{uuid.uuid4().hex[:6]}"
    order = place_order(order_id)
    # Started as the API starts it, so the history has a real order's shape.
    handle = await env.client.start_workflow(
        OrderWorkflow.run,
        OrderInput(order=order),
        id=workflow_id(order_id),
        task_queue="replay-recording",
        search_attributes=initial_search_attributes(order),
        static_summary=order_summary(order.items),
    )
    await drive(handle, services, order_id)
    await handle.result()
    history = await handle.fetch_history()
    (HISTORIES / f"{name}.json").write_text(history.to_json())
    print(f"{name}: {len(history.events)} events")


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1] if len(sys.argv) > 1 else ""))
