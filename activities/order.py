"""The order saga's activities: thin wrappers that hand one message to one service.

The class receives its services, so the worker wires real ones and tests wire
whatever database they like. Activity names are the method names.
"""

from collections.abc import Callable
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.errors import as_activity_result
from services.container import Services
from services.messages import (
    CancelTicket,
    ChargePayment,
    NotificationReceipt,
    NotificationsSent,
    OpenTicket,
    PaymentReceipt,
    RecordEvents,
    RefundPayment,
    RefundReceipt,
    ReleaseStock,
    ReserveStock,
    SendNotification,
    SendNotifications,
    StockReleased,
    StockReserved,
    Ticket,
    TicketCancelled,
)


class OrderActivities:
    """Every side effect of the order saga, one activity per service call."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def all(self) -> list[Callable[..., Any]]:
        """The activities to register on a worker."""
        return [
            self.reserve_inventory,
            self.release_inventory,
            self.charge_payment,
            self.refund_payment,
            self.open_kitchen_ticket,
            self.cancel_kitchen_ticket,
            self.send_notification,
            self.send_notifications,
            self.record_events,
        ]

    @activity.defn
    async def reserve_inventory(self, request: ReserveStock) -> StockReserved:
        """Set aside ingredients; OutOfStock is final."""
        return await as_activity_result(self._services.inventory.reserve(request))

    @activity.defn
    async def release_inventory(self, request: ReleaseStock) -> StockReleased:
        """Compensation: give the reservation back."""
        return await as_activity_result(self._services.inventory.release(request))

    @activity.defn
    async def charge_payment(self, request: ChargePayment) -> PaymentReceipt:
        """Charge the customer; PaymentDeclined is final, outages retry."""
        return await as_activity_result(self._services.payments.charge(request))

    @activity.defn
    async def refund_payment(self, request: RefundPayment) -> RefundReceipt:
        """Compensation: pay back the charge, if any."""
        return await as_activity_result(self._services.payments.refund(request))

    @activity.defn
    async def open_kitchen_ticket(self, request: OpenTicket) -> Ticket:
        """Put the order on the kitchen queue."""
        return await as_activity_result(self._services.kitchen.open_ticket(request))

    @activity.defn
    async def cancel_kitchen_ticket(self, request: CancelTicket) -> TicketCancelled:
        """Compensation: take the order off the kitchen queue."""
        return await as_activity_result(self._services.kitchen.cancel_ticket(request))

    @activity.defn
    async def send_notification(self, request: SendNotification) -> NotificationReceipt:
        """Text or email the customer; outages retry, then the saga records the failure."""
        return await as_activity_result(self._services.notifications.send(request))

    @activity.defn
    async def send_notifications(self, request: SendNotifications) -> NotificationsSent:
        """Every channel of one purpose in one activity: a history with fewer events.

        Each message keeps its own idempotency key, so a retry resends only those
        that did not get through. Past the last retry the failure's details name the
        channels that failed, with why, so the saga records how each one ended.
        """
        receipts: list[NotificationReceipt] = []
        failed: dict[str, str] = {}
        final = True  # only refusals (no outage) among the failures: retrying changes nothing
        for notification in request.notifications:
            try:
                receipts.append(
                    await as_activity_result(self._services.notifications.send(notification))
                )
            except ApplicationError as error:
                failed[notification.channel] = error.message
                final = final and error.non_retryable
        if failed:
            reasons = "; ".join(f"{channel}: {reason}" for channel, reason in failed.items())
            raise ApplicationError(reasons, failed, type="NotificationsFailed", non_retryable=final)
        return NotificationsSent(receipts=receipts)

    @activity.defn
    async def record_events(self, request: RecordEvents) -> None:
        """Local activity: append events to the log, update the read model and analytics.

        A ticket move that rides along is applied too, in the same transaction; moving a
        ticket to a status it has (or is past) changes nothing, so a retried append is
        harmless.
        """
        await self._services.recording.record(request)
