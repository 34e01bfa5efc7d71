"""The orders this API process accepted a moment ago and the read model has not recorded yet.

The saga records an order in its first workflow task, which a busy worker runs
late. Until then a read of the order would have to ask its workflow — the same
busy worker, up to a query timeout. The process that accepted the order already
knows all of it, so it answers from memory instead: PLACED, no timeline yet.

Memory only, and only for a minute: a read on another API replica, or after a
restart, still finds the order once its saga recorded it.
"""

import time

from domain.commands import PlaceOrder
from domain.order import Order
from services.contacts import contact_of
from services.messages import OrderSnapshot, OrderView

REMEMBER_SECONDS = 60.0


class JustPlaced:
    """Accepted orders by id, each forgotten once recorded or a minute after it was placed."""

    def __init__(self, remember_seconds: float = REMEMBER_SECONDS) -> None:
        self._remember = remember_seconds
        self._orders: dict[str, tuple[float, PlaceOrder]] = {}

    def add(self, order: PlaceOrder) -> None:
        """Remember ``order`` as accepted now."""
        now = time.monotonic()
        self._forget_older_than(now - self._remember)
        self._orders[order.order_id] = (now, order)

    def forget(self, order_id: str) -> None:
        """The read model has the order: it answers from now on."""
        self._orders.pop(order_id, None)

    def view(self, order_id: str) -> OrderView | None:
        """The order as accepted (PLACED, no timeline yet), or None if not remembered."""
        remembered = self._orders.get(order_id)
        if remembered is None or remembered[0] < time.monotonic() - self._remember:
            return None
        order = remembered[1]
        accepted = Order(
            order_id=order.order_id,
            customer=order.customer,
            items=order.items,
            delivery_address=order.delivery_address,
        )
        return OrderView(**OrderSnapshot.of(accepted).model_dump(), contact=contact_of(order))

    def _forget_older_than(self, moment: float) -> None:
        # Insertion order is placing order: the old ones are at the front.
        for order_id, (placed_at, _) in list(self._orders.items()):
            if placed_at >= moment:
                break
            del self._orders[order_id]
