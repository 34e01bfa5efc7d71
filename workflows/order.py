"""OrderWorkflow: one order's whole life as a durable saga.

``_story`` is the business story. Staff drive the order with validated updates
(an illegal move is refused before it touches history), external systems send
domain events as signals (deduplicated by ``event_id``, early ones held), and
the ``state`` query shows where the order is.

An operator's cancel of the workflow (UI, CLI) never lands inside the story:
the story runs shielded, and the cancel becomes a cancel request, exactly like
an admin's, while the business rules still allow one (until cooking starts).
The order then ends CANCELLED with every undo run, and the workflow completes
(not "canceled"): its result is the order's final state, the undos ran to the
end, and lists and dashboards read the order's status from ``OrderStatus``.
After cooking started the request is refused, as the API refuses it, and the
order goes on. A cancel landing in the close-out changes nothing: it runs on.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

from workflows.attention import AttentionDesk
from workflows.compensation import CompensationStack
from workflows.inbox import EventInbox, Fit, fit
from workflows.names import (
    QUERY_STATE,
    SIGNAL_DOMAIN_EVENT,
    UPDATE_CANCEL,
    UPDATE_MARK_DELIVERED,
    UPDATE_MARK_READY,
    UPDATE_PICK_UP,
    UPDATE_RESOLVE_COMPENSATION,
    UPDATE_RETRY_COMPENSATION,
    UPDATE_START_COOKING,
    WORKFLOW_TYPE,
)
from workflows.notifier import Notifier
from workflows.patches import lean_history, patched
from workflows.recorder import EventRecorder
from workflows.steps import OrderRefused, OrderSteps
from workflows.story import show, step_summary

with workflow.unsafe.imports_passed_through():
    from domain.commands import CancelOrder, MarkDelivered, MarkReady, PickUp, StartCooking
    from domain.events import (
        DomainEvent,
        Event,
        OrderCancelled,
        OrderConfirmed,
        OrderCookingStarted,
        OrderDelayed,
        OrderDelivered,
        OrderOutForDelivery,
        OrderPlaced,
        OrderReady,
        OrderRejected,
        Purpose,
        placed_fields,
    )
    from domain.order import TERMINAL, Order, OrderStatus, can_transition, reached
    from services.contacts import contact_of
    from services.messages import OrderSnapshot
    from workflows.contracts import (
        OrderInput,
        OrderState,
        ResolveCompensation,
        RetryCompensation,
    )

S = OrderStatus
PATCH_NOTIFY_IN_BACKGROUND = "notify-customer-in-background"
PATCH_OPERATOR_CANCEL_REQUESTS = "operator-cancel-is-a-cancel-request"
OPERATOR_CANCEL = "the workflow was cancelled by an operator"


class CancelRequested(Exception):
    """A customer or admin asked to cancel before cooking started."""


@workflow.defn(name=WORKFLOW_TYPE)
class OrderWorkflow:
    """Reserve stock, charge, ticket the kitchen, confirm, cook, deliver; undo on refusal."""

    @workflow.init
    def __init__(self, input: OrderInput) -> None:
        placed = input.order
        self._input = input
        self._order = Order(
            order_id=placed.order_id,
            customer=placed.customer,
            items=placed.items,
            delivery_address=placed.delivery_address,
        )
        # Asked first, in the order's first task: an order started before the patch
        # keeps its history's shape to the end (see workflows.patches).
        lean = lean_history()
        self._recorder = EventRecorder(placed.order_id, self._snapshot)
        self._steps = OrderSteps(self._order, self._recorder, lean)
        self._notifier = Notifier(placed.order_id, placed.customer, self._recorder, lean)
        self._undo = CompensationStack()
        self._attention = AttentionDesk(self._undo, self._recorder.record)
        self._cancel: CancelOrder | None = None
        self._closing = False
        self._compensated = False
        self._inbox = EventInbox(self._fit, self._advance)

    @workflow.run
    async def run(self, input: OrderInput) -> OrderState:
        """The story, shielded: an operator's cancel is heard as a request, never let in."""
        story = asyncio.create_task(self._story())
        while not story.done():
            try:
                await asyncio.shield(story)
            except asyncio.CancelledError:
                self._on_operator_cancel(story)
        return story.result()

    async def _story(self) -> OrderState:
        """The order's story, from placed to delivered or undone."""
        await self._recorder.record(self._placed(), contact=contact_of(self._order))
        show("PLACED", "stock, payment and a kitchen ticket")
        try:
            await self._secure_stock_payment_and_kitchen()
            await self._confirm()
            await self._cook_and_deliver()
        except OrderRefused as refusal:
            await self._reject(refusal.reason)
        except CancelRequested:
            await self._cancel_order()
        except asyncio.CancelledError:
            await self._cancel_on_operator_request()
        show(self._order.status, "nothing: the order is closed")
        await self._notifier.drain()
        # An update (e.g. mark_delivered) may still be recording its event: let it answer first.
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state()

    async def _secure_stock_payment_and_kitchen(self) -> None:
        # Each undo is registered before its step: a step that fails half-way
        # (a timeout after the provider acted) is still undone.
        self._undo.register("notify_customer", self._tell_customer_it_is_off)
        for step, undo in (
            (self._steps.reserve_inventory, self._steps.release_inventory),
            (self._steps.charge_payment, self._steps.refund_payment),
            (self._steps.open_kitchen_ticket, self._steps.cancel_kitchen_ticket),
        ):
            self._undo.register(undo.__name__, undo)
            self._stop_if_cancel_requested()
            await step()
        self._stop_if_cancel_requested()

    async def _confirm(self) -> None:
        self._order = self._order.transition_to(S.CONFIRMED)
        confirmed = self._recorder.new(
            OrderConfirmed, ticket_id=self._steps.ticket_id, total=self._order.total
        )
        await self._recorder.record(confirmed)
        self._notifier.send("confirmation", ("sms", "email"), ticket=self._steps.ticket_id)

    async def _cook_and_deliver(self) -> None:
        slas = self._input.slas
        await self._until(S.COOKING, "cooking", slas.cooking, cancellable=True)
        await self._until(S.READY, "ready", slas.ready)
        await self._until(S.DELIVERED, "delivery", slas.delivery)

    async def _until(
        self, target: OrderStatus, stage: str, sla: timedelta, cancellable: bool = False
    ) -> None:
        """Wait for staff to move the order to ``target``; past the SLA, tell the customer."""

        def done() -> bool:
            return reached(self._order.status, target) or (cancellable and self._cancel is not None)

        deadline = workflow.now() + sla
        show(self._order.status, f"staff to mark it {target}", deadline)
        try:
            summary = step_summary(f"{stage} SLA")
            await workflow.wait_condition(done, timeout=sla, timeout_summary=summary)
        except TimeoutError:
            await self._recorder.record(
                self._recorder.new(OrderDelayed, stage=stage, deadline=deadline)
            )
            self._notifier.send("delay", stage=stage)
            show(self._order.status, f"staff to mark it {target} (SLA breached)", deadline)
            await workflow.wait_condition(done)
        if cancellable:
            self._stop_if_cancel_requested()

    # The decision is recorded first and the undo follows, as in choreography, where
    # OrderRejected / OrderCancelled is what sets the compensating services going.

    async def _reject(self, reason: str) -> None:
        self._closing = True
        self._order = self._order.transition_to(S.REJECTED)
        await self._recorder.record(self._recorder.new(OrderRejected, reason=reason))
        await self._compensate()

    async def _cancel_order(self) -> None:
        assert self._cancel is not None
        self._closing = True
        self._order = self._order.transition_to(S.CANCELLED)
        cancelled = self._recorder.new(
            OrderCancelled, reason=self._cancel.reason, cancelled_by=self._cancel.requested_by
        )
        await self._recorder.record(cancelled)
        await self._compensate()

    def _on_operator_cancel(self, story: asyncio.Task[OrderState]) -> None:
        if story.done():
            return
        if not patched(PATCH_OPERATOR_CANCEL_REQUESTS):
            story.cancel()  # orders started before the patch: the cancel lands where it fell
            return
        status = self._order.status
        if self._closing or self._cancel is not None:
            return  # the order is ending already: the close-out runs on to the end
        if not can_transition(status, S.CANCELLED):
            workflow.logger.warning("operator cancel refused: the order is %s and goes on", status)
            return
        self._cancel = CancelOrder(
            order_id=self._order.order_id, reason=OPERATOR_CANCEL, requested_by="admin"
        )

    async def _cancel_on_operator_request(self) -> None:
        # A cancel that reached the story itself (orders started before the patch, or a
        # step whose activity was cancelled) compensates like an admin cancel, but only
        # while the business rules still allow a cancellation.
        if self._closing or not can_transition(self._order.status, S.CANCELLED):
            raise asyncio.CancelledError()
        self._cancel = CancelOrder(
            order_id=self._order.order_id, reason=OPERATOR_CANCEL, requested_by="admin"
        )
        await self._cancel_order()

    async def _compensate(self) -> None:
        await self._undo.unwind()
        self._compensated = True
        await self._recorder.record()  # the read model learns the compensation outcomes
        if self._attention.needed:
            await self._attention.keep_trying()

    async def _tell_customer_it_is_off(self, _: RetryPolicy) -> None:
        # Notifications keep their own retry policy and never fail the undo.
        purpose: Purpose = "cancellation" if self._cancel is not None else "rejection"
        if patched(PATCH_NOTIFY_IN_BACKGROUND):
            # Queued, not awaited: an SMS outage must not hold up the cancel's answer.
            self._notifier.send(purpose, ("sms", "email"))
        else:  # orders started before the patch replay as they ran
            await self._notifier.send_and_wait(purpose, ("sms", "email"))

    def _stop_if_cancel_requested(self) -> None:
        if self._cancel is not None:
            raise CancelRequested()

    def _placed(self) -> OrderPlaced:
        return self._recorder.new(OrderPlaced, **placed_fields(self._order))

    # Staff commands: validated updates. Each returns the new state.

    @workflow.update(name=UPDATE_START_COOKING)
    async def start_cooking(self, command: StartCooking) -> OrderState:
        """The kitchen starts cooking."""
        return await self._advance(S.COOKING, self._recorder.new(OrderCookingStarted))

    @start_cooking.validator
    def _validate_start_cooking(self, command: StartCooking) -> None:
        self._ensure_can_advance(S.COOKING)

    @workflow.update(name=UPDATE_MARK_READY)
    async def mark_ready(self, command: MarkReady) -> OrderState:
        """The pizzas are ready."""
        return await self._advance(S.READY, self._recorder.new(OrderReady))

    @mark_ready.validator
    def _validate_mark_ready(self, command: MarkReady) -> None:
        self._ensure_can_advance(S.READY)

    @workflow.update(name=UPDATE_PICK_UP)
    async def pick_up(self, command: PickUp) -> OrderState:
        """A driver takes the order."""
        event = self._recorder.new(OrderOutForDelivery, driver_id=command.driver_id)
        return await self._advance(S.OUT_FOR_DELIVERY, event)

    @pick_up.validator
    def _validate_pick_up(self, command: PickUp) -> None:
        self._ensure_can_advance(S.OUT_FOR_DELIVERY)

    @workflow.update(name=UPDATE_MARK_DELIVERED)
    async def mark_delivered(self, command: MarkDelivered) -> OrderState:
        """The customer has the pizzas."""
        return await self._advance(S.DELIVERED, self._recorder.new(OrderDelivered))

    @mark_delivered.validator
    def _validate_mark_delivered(self, command: MarkDelivered) -> None:
        self._ensure_can_advance(S.DELIVERED)

    @workflow.update(name=UPDATE_CANCEL)
    async def cancel(self, command: CancelOrder) -> OrderState:
        """Cancel before cooking; answers once compensation has run."""
        if self._cancel is None:
            self._cancel = command
        await workflow.wait_condition(lambda: self._compensated)
        return self.state()

    @cancel.validator
    def _validate_cancel(self, command: CancelOrder) -> None:
        if self._cancel is not None:
            return  # already being cancelled: the caller gets the same outcome
        if self._closing or not can_transition(self._order.status, S.CANCELLED):
            raise _refusal(f"an order that is {self._order.status} can no longer be cancelled")

    # Admins settle undos past their retry bound (see workflows.attention).

    @workflow.update(name=UPDATE_RETRY_COMPENSATION)
    async def retry_compensation(self, command: RetryCompensation) -> OrderState:
        """Try the stuck undos again now; answers once that round has ended."""
        await self._attention.retry()
        return self.state()

    @retry_compensation.validator
    def _validate_retry_compensation(self, command: RetryCompensation) -> None:
        self._ensure_needs_attention()

    @workflow.update(name=UPDATE_RESOLVE_COMPENSATION)
    async def resolve_compensation(self, command: ResolveCompensation) -> OrderState:
        """Mark the stuck undos settled by hand; the order no longer needs attention."""
        await self._attention.resolve(f"resolved by {command.resolved_by}: {command.note}")
        return self.state()

    @resolve_compensation.validator
    def _validate_resolve_compensation(self, command: ResolveCompensation) -> None:
        self._ensure_needs_attention()

    def _ensure_needs_attention(self) -> None:
        if not self._attention.needed:
            raise _refusal(f"order '{self._order.order_id}' has no undo waiting for a person")

    # External systems: domain events as signals, applied once each.

    @workflow.signal(name=SIGNAL_DOMAIN_EVENT)
    async def on_domain_event(self, event: Event) -> None:
        """Apply a kitchen or delivery event once; an early one waits for its stage."""
        if event.order_id == self._order.order_id:
            await self._inbox.receive(event)

    def _fit(self, stage: OrderStatus) -> Fit:
        return fit(self._order.status, stage, self._closing or self._cancel is not None)

    @workflow.query(name=QUERY_STATE)
    def state(self) -> OrderState:
        """Where the order is now."""
        return OrderState(
            **self._snapshot().model_dump(),
            event_types=list(self._recorder.types),
            cancel_requested=self._cancel is not None,
            terminal=self._order.status in TERMINAL,
            held_events=self._inbox.held_types(),
        )

    async def _advance(self, target: OrderStatus, event: DomainEvent) -> OrderState:
        self._ensure_can_advance(target)
        self._order = self._order.transition_to(target)
        await self._recorder.record(event, ticket=self._steps.ticket_move(target))  # type: ignore[arg-type]
        if target is S.OUT_FOR_DELIVERY:
            self._notifier.send("out_for_delivery")
        return self.state()

    def _ensure_can_advance(self, target: OrderStatus) -> None:
        status = self._order.status
        if not can_transition(status, target):
            raise _refusal(f"an order that is {status} cannot become {target}")
        if self._closing or self._cancel is not None:
            raise _refusal(f"the order is being cancelled; it cannot become {target}")

    def _snapshot(self) -> OrderSnapshot:
        return OrderSnapshot.of(self._order, list(self._undo.records), self._attention.needed)


def _refusal(message: str) -> ApplicationError:
    return ApplicationError(message, type="IllegalTransition", non_retryable=True)
