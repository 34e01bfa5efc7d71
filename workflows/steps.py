"""The saga's forward steps and their undos, each one activity and its events.

A forward step that the business refuses (out of stock, declined) or that
outlasts its retry bound records the failure event and raises
``OrderRefused``; the workflow then unwinds the compensation stack.
"""

import asyncio
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError, is_cancelled_exception

from workflows.patches import patched
from workflows.policies import STEP_RETRY, STEP_TIMEOUT
from workflows.recorder import EventRecorder
from workflows.story import step_summary

with workflow.unsafe.imports_passed_through():
    from activities.order import OrderActivities
    from domain.events import (
        Event,
        InventoryLow,
        InventoryReleased,
        InventoryReservationFailed,
        InventoryReserved,
        PaymentFailed,
        PaymentProcessed,
        PaymentRefunded,
    )
    from domain.order import Order, OrderStatus
    from services.messages import (
        CancelTicket,
        ChargePayment,
        MoveTicket,
        OpenTicket,
        RefundPayment,
        ReleaseStock,
        ReserveStock,
    )


PATCH_CANCELLED_STEP_IS_NO_REFUSAL = "cancelled-step-is-no-refusal"
TICKET_AFTER: dict[OrderStatus, str] = {OrderStatus.COOKING: "cooking", OrderStatus.READY: "ready"}
"""The kitchen ticket's status once the order has reached each of these stages."""


class OrderRefused(Exception):
    """A forward step failed for good; the order must be compensated and rejected."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def failure_reason(failure: ActivityError) -> str:
    """The innermost human message of an activity failure.

    A cancelled step is a cancellation, never a business refusal: it is raised
    as one (orders started before the patch replay the refusal they recorded).
    """
    if is_cancelled_exception(failure) and patched(PATCH_CANCELLED_STEP_IS_NO_REFUSAL):
        raise asyncio.CancelledError() from failure
    return str(failure.cause or failure)


def _local_step_failed(activity_type: str) -> ActivityError:
    """The ``ActivityError`` a remote step would raise; its cause is set by ``raise ... from``."""
    return ActivityError(
        "Local activity error",
        scheduled_event_id=0,
        started_event_id=0,
        identity="",
        activity_type=activity_type,
        activity_id="",
        retry_state=None,
    )


class OrderSteps:
    """Reserve, charge and ticket an order, and undo each; keys derive from the workflow id."""

    def __init__(self, order: Order, recorder: EventRecorder, lean: bool) -> None:
        self._order = order
        self._recorder = recorder
        self._lean = lean
        self.ticket_id = ""

    def _key(self, step: str) -> dict[str, str]:
        return {
            "order_id": self._order.order_id,
            "idempotency_key": f"{workflow.info().workflow_id}/{step}",
        }

    async def _forward(self, activity: Any, request: Any) -> Any:
        return await workflow.execute_activity_method(
            activity,
            request,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=STEP_RETRY,
            summary=step_summary(activity.__name__.replace("_", " ")),
        )

    async def _forward_in_task(self, activity: Any, request: Any) -> Any:
        """A forward step that runs in the workflow task that follows the reservation.

        Local on the lean history: one marker instead of three activity events and a
        workflow task. Same timeout and retry bound; an outage is retried by the
        worker inside that task. The reservation itself stays a remote activity, so
        a cancel that arrives while the stock is reserved still stops the charge.
        """
        if not self._lean:
            return await self._forward(activity, request)
        try:
            return await workflow.execute_local_activity_method(
                activity,
                request,
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=STEP_RETRY,
                summary=activity.__name__.replace("_", " "),
            )
        except ActivityError:
            raise
        except FailureError as failure:
            # A local activity fails with its cause itself: wrap it as a remote one's
            # failure, so refusals, outages and cancels read the same either way.
            raise _local_step_failed(activity.__name__) from failure

    async def _undo(self, activity: Any, request: Any, retry: RetryPolicy) -> Any:
        return await workflow.execute_activity_method(
            activity,
            request,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=retry,
            summary=step_summary(f"undo: {activity.__name__.replace('_', ' ')}"),
        )

    async def _done(self, *events: Event) -> None:
        """A step's success changes no status: on the lean history its events ride along
        with the next append (the confirmation, or the refusal), in the same order."""
        if self._lean:
            self._recorder.note(*events)
        else:
            await self._recorder.record(*events)

    def ticket_move(self, reached: OrderStatus) -> MoveTicket | None:
        """How the kitchen ticket follows the order to ``reached``, if it moves at all."""
        status = TICKET_AFTER.get(reached)
        if status is None:
            return None
        return MoveTicket(**self._key(f"move-kitchen-ticket/{status}"), status=status)

    async def reserve_inventory(self) -> None:
        """Set aside the ingredients, or refuse the order."""
        request = ReserveStock(**self._key("reserve-inventory"), items=self._order.items)
        try:
            reserved = await self._forward(OrderActivities.reserve_inventory, request)
        except ActivityError as failure:
            reason = failure_reason(failure)
            await self._recorder.record(
                self._recorder.new(InventoryReservationFailed, reason=reason)
            )
            raise OrderRefused(reason) from failure
        new = self._recorder.new
        await self._done(
            new(InventoryReserved, ingredients=reserved.ingredients),
            *(new(InventoryLow, **low.model_dump()) for low in reserved.low),
        )

    async def charge_payment(self) -> None:
        """Charge the total, or refuse the order."""
        request = ChargePayment(
            **self._key("charge-payment"),
            customer_id=self._order.customer.id,
            amount=self._order.total,
        )
        try:
            receipt = await self._forward_in_task(OrderActivities.charge_payment, request)
        except ActivityError as failure:
            reason = failure_reason(failure)
            await self._recorder.record(self._recorder.new(PaymentFailed, reason=reason))
            raise OrderRefused(reason) from failure
        await self._done(
            self._recorder.new(
                PaymentProcessed, payment_id=receipt.payment_id, amount=receipt.amount
            )
        )

    async def open_kitchen_ticket(self) -> None:
        """Queue the order in the kitchen, or refuse it."""
        request = OpenTicket(**self._key("open-kitchen-ticket"), items=self._order.items)
        try:
            ticket = await self._forward_in_task(OrderActivities.open_kitchen_ticket, request)
        except ActivityError as failure:
            raise OrderRefused(
                f"the kitchen could not take the order: {failure_reason(failure)}"
            ) from failure
        self.ticket_id = ticket.ticket_id

    async def cancel_kitchen_ticket(self, retry: RetryPolicy) -> None:
        """Undo: take the order off the kitchen queue."""
        await self._undo(
            OrderActivities.cancel_kitchen_ticket,
            CancelTicket(**self._key("cancel-kitchen-ticket")),
            retry,
        )

    async def refund_payment(self, retry: RetryPolicy) -> None:
        """Undo: pay back the charge, if there was one."""
        refund = await self._undo(
            OrderActivities.refund_payment, RefundPayment(**self._key("refund-payment")), retry
        )
        if refund.payment_id is not None:
            await self._recorder.record(
                self._recorder.new(
                    PaymentRefunded, payment_id=refund.payment_id, amount=refund.amount
                )
            )

    async def release_inventory(self, retry: RetryPolicy) -> None:
        """Undo: give the reserved ingredients back."""
        released = await self._undo(
            OrderActivities.release_inventory, ReleaseStock(**self._key("release-inventory")), retry
        )
        if released.ingredients:
            await self._recorder.record(
                self._recorder.new(InventoryReleased, ingredients=released.ingredients)
            )
