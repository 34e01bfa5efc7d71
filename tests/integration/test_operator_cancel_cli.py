"""An operator cancels an order's workflow with the Temporal CLI while it charges the card.

The real dev server and the real CLI, as an operator would type it: the order
ends CANCELLED with every undo run, no rejection is recorded or texted, and
the workflow completes (its result is the cancelled order) instead of closing
"canceled" half-way.
"""

import asyncio
import subprocess

from temporalio.client import WorkflowExecutionStatus

from infra.binaries import binary
from services.messages import Fault
from workflows.names import workflow_id

HOLD = Fault(mode="slow", delay_seconds=3, remaining=1)


async def _charging(stack_services) -> None:
    """Until the held charge has begun (the fault is used up as the call starts)."""
    for _ in range(1500):
        if "payments" not in await stack_services.faults.active():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the charge never began")


def _temporal_cancel(address: str, order_id: str) -> None:
    command = [str(binary("temporal")), "workflow", "cancel", "--address", address]
    command += ["--workflow-id", workflow_id(order_id)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


async def test_cli_cancel_during_the_charge_cancels_refunds_and_completes(
    desk, stack_services, stack_settings
) -> None:
    await stack_services.faults.set("payments", HOLD)
    order_id = (await desk.place())["order_id"]
    await _charging(stack_services)

    await asyncio.to_thread(_temporal_cancel, stack_settings.temporal_address, order_id)
    handle = desk.handle(order_id)
    await handle.result()  # the close-out has run to its end
    order = await desk.get(order_id)

    assert order["status"] == "CANCELLED"

    types = [entry["type"] for entry in order["timeline"]]
    assert "PaymentFailed" not in types and "OrderRejected" not in types
    assert [(c["step"], c["outcome"]) for c in order["compensations"]] == [
        ("cancel_kitchen_ticket", "done"),  # registered before the ticket: it finds none
        ("refund_payment", "done"),
        ("release_inventory", "done"),
        ("notify_customer", "done"),
    ]
    assert await stack_services.payments.balance(order_id) == 0
    assert (await handle.describe()).status is WorkflowExecutionStatus.COMPLETED
    purposes = {n.purpose for n in await stack_services.notifications.sent(order_id)}
    assert "rejection" not in purposes
