"""Mapping between the ``StoredOrder`` aggregate and its ``choreo_orders`` row."""

from datetime import timedelta
from typing import Any

from choreography.model import StoredOrder
from choreography.tables import OrderRow
from domain.order import Customer, Order, OrderItem, OrderStatus
from services.sql import utcnow
from workflows.contracts import Slas


def order_values(stored: StoredOrder) -> dict[str, Any]:
    """The row's columns (without ``version``, which the store sets)."""
    order = stored.order
    return {
        "order_id": order.order_id,
        "status": order.status.value,
        "customer": order.customer.model_dump(mode="json"),
        "items": [item.model_dump(mode="json") for item in order.items],
        "delivery_address": order.delivery_address,
        "total": order.total,
        "ticket_id": stored.ticket_id,
        "slas": {stage: sla.total_seconds() for stage, sla in stored.slas},
        "updated_at": utcnow(),
    }


def order_from_row(row: OrderRow) -> StoredOrder:
    """The aggregate a row holds."""
    order = Order(
        order_id=row.order_id,
        customer=Customer.model_validate(row.customer),
        items=[OrderItem.model_validate(item) for item in row.items],
        delivery_address=row.delivery_address,
        status=OrderStatus(row.status),
    )
    slas = Slas(**{stage: timedelta(seconds=secs) for stage, secs in row.slas.items()})
    return StoredOrder(order=order, version=row.version, ticket_id=row.ticket_id, slas=slas)
