"""What the Temporal UI shows of an order: its summary, where it is now, what each step does.

Only items, totals, stages and deadlines: never a name, phone, e-mail or
address. Summaries on activities and timers are part of the commands they
ride on, so new ones appear only behind ``PATCH_UI_SUMMARIES``: orders
started before it replay exactly as they ran.
"""

from datetime import datetime

from temporalio import workflow

from workflows.patches import patched

with workflow.unsafe.imports_passed_through():
    from domain.order import OrderItem, order_total

PATCH_UI_SUMMARIES = "ui-summaries"


def order_summary(items: list[OrderItem]) -> str:
    """One line for the workflow list: ``2 x large margherita · €24.00``."""
    lines = ", ".join(f"{item.quantity} x {item.size} {item.pizza}" for item in items)
    return f"{lines} · €{order_total(items)}"


def show(stage: str, waiting_for: str, deadline: datetime | None = None) -> None:
    """Set the workflow's current details: its stage, what it waits for, the SLA deadline."""
    details = f"**{stage}** · waiting for {waiting_for}"
    if deadline is not None:
        details += f" · SLA {deadline:%H:%M:%S} UTC"
    workflow.set_current_details(details)


def step_summary(text: str) -> str | None:
    """``text`` as an activity's or timer's summary, for orders started after the patch."""
    return text if patched(PATCH_UI_SUMMARIES) else None
