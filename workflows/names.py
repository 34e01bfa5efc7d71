"""Every name on the order workflow's public surface, defined once.

The API, the worker, the CLI and the tests import these; nobody spells a
task queue, workflow id or handler name by hand.
"""

from temporalio.common import SearchAttributeKey

TASK_QUEUE = "pizzeria-orders"
WORKFLOW_TYPE = "OrderWorkflow"

SIGNAL_DOMAIN_EVENT = "domain_event"
QUERY_STATE = "state"
UPDATE_START_COOKING = "start_cooking"
UPDATE_MARK_READY = "mark_ready"
UPDATE_PICK_UP = "pick_up"
UPDATE_MARK_DELIVERED = "mark_delivered"
UPDATE_CANCEL = "cancel"
UPDATE_RETRY_COMPENSATION = "retry_compensation"
UPDATE_RESOLVE_COMPENSATION = "resolve_compensation"

SA_ORDER_STATUS = SearchAttributeKey.for_keyword("OrderStatus")
SA_CUSTOMER_ID = SearchAttributeKey.for_keyword("CustomerId")
SA_ORDER_TOTAL = SearchAttributeKey.for_float("OrderTotal")
SA_PIZZA_COUNT = SearchAttributeKey.for_int("PizzaCount")
SA_NEEDS_ATTENTION = SearchAttributeKey.for_bool("NeedsAttention")
"""True while an undo is past its retry bound and waits for a person (retry or resolve)."""
SEARCH_ATTRIBUTES = (
    SA_ORDER_STATUS,
    SA_CUSTOMER_ID,
    SA_ORDER_TOTAL,
    SA_PIZZA_COUNT,
    SA_NEEDS_ATTENTION,
)
"""Register these on the server: ``temporal server start-dev --search-attribute Name=Type``."""

WORKFLOW_ID_PREFIX = "order-"


def workflow_id(order_id: str) -> str:
    """The one workflow per order: ``order-<order_id>`` (no personal data)."""
    return f"{WORKFLOW_ID_PREFIX}{order_id}"


def search_attribute_flags() -> list[str]:
    """``--search-attribute`` arguments for ``temporal server start-dev``."""
    kinds = {"KEYWORD": "Keyword", "DOUBLE": "Double", "INT": "Int", "BOOL": "Bool"}
    flags: list[str] = []
    for key in SEARCH_ATTRIBUTES:
        flags += ["--search-attribute", f"{key.name}={kinds[key.indexed_value_type.name]}"]
    return flags


STATUS_AFTER_EVENT: dict[str, str] = {
    "OrderCookingStarted": "COOKING",
    "OrderReady": "READY",
    "OrderOutForDelivery": "OUT_FOR_DELIVERY",
    "OrderDelivered": "DELIVERED",
}
"""The domain events an order accepts as signals, and the status each one moves it to."""
