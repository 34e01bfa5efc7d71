"""The payment service's reactions: charge once stock is reserved, refund when the order ends.

A provider outage is retried by redelivery; on the last delivery it becomes
PaymentFailed, as the saga turns an outage past its retry bound into a refusal.
"""

from choreography.deps import Deps
from choreography.model import NOTHING, Change, Delivery
from domain.errors import PaymentDeclined, ProviderUnavailable
from domain.events import (
    InventoryReserved,
    OrderCancelled,
    OrderRejected,
    PaymentFailed,
    PaymentProcessed,
    PaymentRefunded,
)
from services.messages import ChargePayment, RefundPayment


async def charge_order(delivery: Delivery[InventoryReserved], deps: Deps) -> Change:
    """Charge the order's total; a decline (or a lasting outage) is PaymentFailed."""
    reserved = delivery.event
    stored = await deps.load(reserved.order_id)
    request = ChargePayment(
        order_id=reserved.order_id,
        idempotency_key=deps.key(reserved, "charge-payment"),
        customer_id=stored.order.customer.id,
        amount=stored.order.total,
    )
    try:
        receipt = await deps.services.payments.charge(request)
    except PaymentDeclined as declined:
        return Change(
            events=(deps.caused(PaymentFailed, reserved, "charge", reason=str(declined)),)
        )
    except ProviderUnavailable as outage:
        if not delivery.final:
            raise
        return Change(events=(deps.caused(PaymentFailed, reserved, "charge", reason=str(outage)),))
    processed = deps.caused(
        PaymentProcessed, reserved, "charge", payment_id=receipt.payment_id, amount=receipt.amount
    )
    return Change(events=(processed,))


async def refund_order(
    delivery: Delivery[OrderCancelled | OrderRejected | PaymentFailed], deps: Deps
) -> Change:
    """Compensation: pay back whatever was charged.

    A failed charge is refunded too, as the saga's undo (registered before the
    charge) does: a provider that failed after taking the money gives it back.
    So is any order rejected once its stock was reserved (a charge was due).
    """
    ended = delivery.event
    if isinstance(ended, OrderRejected) and not await deps.happened(
        ended.order_id, "InventoryReserved"
    ):
        return NOTHING  # as the saga, which registers the refund once stock is reserved
    request = RefundPayment(
        order_id=ended.order_id, idempotency_key=deps.key(ended, "refund-payment")
    )
    refund = await deps.services.payments.refund(request)
    if refund.payment_id is None:
        return NOTHING
    refunded = deps.caused(
        PaymentRefunded, ended, "refund", payment_id=refund.payment_id, amount=refund.amount
    )
    return Change(events=(refunded,))
