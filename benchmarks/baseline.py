"""The bare baseline: a workflow shaped like a delivered order, doing nothing in each step.

It runs the same number of activities, local activities, updates, timers and
search-attribute upserts as ``OrderWorkflow`` does for an order that is
delivered (counted from ``workflows/order.py`` and checked against a real
history, see docs/performance.md): started with its search attributes, three
forward steps (the reservation remote, the charge and the kitchen ticket local,
as on the saga's lean history), the confirmation (SMS and email in one
activity) in the background, four staff updates, the out-for-delivery SMS,
one local "record" after each state change
(a kitchen ticket move rides inside it, as in the saga), an ``OrderStatus``
upsert on each status change and an SLA timer for each stage. Like the saga's
clients, nobody queries it: the load generator reads ``OrderStatus`` with a
describe call, where the saga's reads the read model. The difference in
throughput between the two is what the project itself costs on top of Temporal.
"""

import asyncio
from datetime import timedelta

from pydantic import BaseModel, ConfigDict
from temporalio import activity, workflow
from temporalio.common import SearchAttributePair, TypedSearchAttributes

with workflow.unsafe.imports_passed_through():
    from workflows.names import SA_ORDER_STATUS

BASELINE_TASK_QUEUE = "pizzeria-bench-baseline"
BASELINE_WORKFLOW = "BenchBaselineWorkflow"
STEP_TIMEOUT = timedelta(seconds=10)
UPDATES = ("start_cooking", "mark_ready", "pick_up", "mark_delivered")
STATUS_AFTER_UPDATE = dict(
    zip(UPDATES, ("COOKING", "READY", "OUT_FOR_DELIVERY", "DELIVERED"), strict=True)
)
STAGES = ("CONFIRMED", "COOKING", "READY", "OUT_FOR_DELIVERY", "DELIVERED")
# The saga's default SLAs: a timer per stage that the staff always beat here.
SLAS = (("COOKING", timedelta(minutes=15)), ("READY", timedelta(minutes=30)))
DELIVERY_SLA = ("DELIVERED", timedelta(minutes=45))


def initial_search_attributes() -> TypedSearchAttributes:
    """What the API sets when it starts the saga (here only the status)."""
    return TypedSearchAttributes([SearchAttributePair(SA_ORDER_STATUS, "PLACED")])


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
    """A local activity that does nothing (an event-log write, the charge, the ticket)."""
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
        # The steps' own events ride along with the confirmation's record, as in the saga.
        await self._activity("reserve_inventory")
        await self._local("charge_payment")
        await self._local("open_kitchen_ticket")
        self._set_status("CONFIRMED")
        await self._record("confirmed")
        self._notify("confirmation")
        for stage, sla in (*SLAS, DELIVERY_SLA):
            await self._until(stage, sla)
        await asyncio.gather(*self._background)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state()

    @workflow.update(name="advance")
    async def advance(self, step: Step) -> BaselineState:
        """A staff update: move to the status after ``step.name`` and record it."""
        self._set_status(STATUS_AFTER_UPDATE[step.name])
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

    def _set_status(self, status: str) -> None:
        self._status = status
        workflow.upsert_search_attributes([SA_ORDER_STATUS.value_set(status)])

    async def _until(self, stage: str, sla: timedelta) -> None:
        def reached() -> bool:
            return STAGES.index(self._status) >= STAGES.index(stage)

        try:
            await workflow.wait_condition(reached, timeout=sla)
        except TimeoutError:
            await workflow.wait_condition(reached)

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
        await self._local(name)

    async def _local(self, name: str) -> None:
        await workflow.execute_local_activity(
            noop_record,
            Step(order_id=self._order_id, name=name),
            start_to_close_timeout=STEP_TIMEOUT,
        )
