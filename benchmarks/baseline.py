"""The bare baseline: a workflow shaped like a delivered order, doing nothing in each step.

It runs the same number of activities, local activities and updates as
``OrderWorkflow`` does for an order that is delivered (counted from
``workflows/order.py`` and checked against a real history, see
docs/performance.md): three forward steps, the confirmation SMS and email in
the background, four staff updates, the out-for-delivery SMS, and one local
"record" after each state change. The difference in throughput between the two
is what the project itself costs on top of Temporal.
"""

import asyncio
from datetime import timedelta

from pydantic import BaseModel, ConfigDict
from temporalio import activity, workflow

BASELINE_TASK_QUEUE = "pizzeria-bench-baseline"
BASELINE_WORKFLOW = "BenchBaselineWorkflow"
STEP_TIMEOUT = timedelta(seconds=10)
UPDATES = ("start_cooking", "mark_ready", "pick_up", "mark_delivered")
STATUS_AFTER_UPDATE = dict(
    zip(UPDATES, ("COOKING", "READY", "OUT_FOR_DELIVERY", "DELIVERED"), strict=True)
)


class Step(BaseModel):
    """What every no-op activity and update takes and returns."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    name: str


class BaselineState(BaseModel):
    """Where a baseline order is, as the ``state`` query and each update report it."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    status: str


@activity.defn(name="bench_noop")
async def noop(step: Step) -> Step:
    """A remote activity that does nothing."""
    return step


@activity.defn(name="bench_noop_record")
async def noop_record(step: Step) -> Step:
    """A local activity that does nothing (the saga's event-log write)."""
    return step


@workflow.defn(name=BASELINE_WORKFLOW)
class BaselineWorkflow:
    """Three steps, confirm, four updates, deliver; every write a no-op."""

    def __init__(self) -> None:
        self._status = "PLACED"
        self._order_id = ""
        self._background: list[asyncio.Task[None]] = []

    @workflow.run
    async def run(self, order_id: str) -> BaselineState:
        """The happy path of an order without any business in it."""
        self._order_id = order_id
        await self._record("placed")
        for name in ("reserve_inventory", "charge_payment"):
            await self._activity(name)
            await self._record(name)
        await self._activity("open_kitchen_ticket")
        self._status = "CONFIRMED"
        await self._record("confirmed")
        self._notify("confirmation_sms", "confirmation_email")
        await workflow.wait_condition(lambda: self._status == "DELIVERED")
        await asyncio.gather(*self._background)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state()

    @workflow.update(name="advance")
    async def advance(self, step: Step) -> BaselineState:
        """A staff update: move to the status after ``step.name`` and record it."""
        self._status = STATUS_AFTER_UPDATE[step.name]
        await self._record(step.name)
        if step.name == "pick_up":
            self._notify("out_for_delivery_sms")
        return self.state()

    @advance.validator
    def _may_advance(self, step: Step) -> None:
        if step.name not in STATUS_AFTER_UPDATE or self._status == "PLACED":
            raise ValueError(f"cannot {step.name} while {self._status}")

    @workflow.query(name="state")
    def state(self) -> BaselineState:
        """The current status."""
        return BaselineState(order_id=self._order_id, status=self._status)

    def _notify(self, *names: str) -> None:
        for name in names:
            self._background.append(asyncio.create_task(self._notify_one(name)))

    async def _notify_one(self, name: str) -> None:
        await self._activity(name)
        await self._record(name)

    async def _activity(self, name: str) -> None:
        await workflow.execute_activity(
            noop, Step(order_id=self._order_id, name=name), start_to_close_timeout=STEP_TIMEOUT
        )

    async def _record(self, name: str) -> None:
        await workflow.execute_local_activity(
            noop_record,
            Step(order_id=self._order_id, name=name),
            start_to_close_timeout=STEP_TIMEOUT,
        )
