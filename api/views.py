"""How an order is shown: one view (status, timeline, compensations of one moment) and its links."""

from api.auth.personal_data import redacted_timeline, shown_contact, visible_details
from api.auth.principal import Principal
from api.schemas import CustomerDetails, Links, OrderResponse, OrderSummary
from domain.commands import PlaceOrder
from domain.order import OrderStatus, order_total
from infra.settings import Settings
from services.messages import OrderContact, OrderSnapshot, OrderView
from workflows.names import workflow_id


def links(settings: Settings, order_id: str) -> Links:
    """The order's own URL and its workflow's page in the Temporal web UI.

    Choreography runs no workflow, so there ``workflow`` is null rather than a dead link.
    """
    own = f"{settings.public_url.rstrip('/')}/orders/{order_id}"
    if settings.mode == "choreography":
        return Links(self=own, workflow=None)
    ui = settings.temporal_ui_url.rstrip("/")
    namespace = settings.temporal_namespace
    return Links(
        self=own, workflow=f"{ui}/namespaces/{namespace}/workflows/{workflow_id(order_id)}"
    )


def placed(settings: Settings, order: PlaceOrder) -> OrderResponse:
    """The answer to POST /orders for an order not recorded yet, built from the request alone.

    Only the customer itself or an admin may place, and both may see the details.
    """
    customer = order.customer
    contact = OrderContact(
        name=customer.name,
        phone=customer.phone,
        email=customer.email,
        delivery_address=order.delivery_address,
    )
    return OrderResponse(
        order_id=order.order_id,
        status=OrderStatus.PLACED,
        customer_id=customer.id,
        customer=CustomerDetails.model_validate(contact.model_dump()),
        total=order_total(order.items),
        items=order.items,
        links=links(settings, order.order_id),
    )


def order_response(settings: Settings, viewer: Principal, view: OrderView) -> OrderResponse:
    """The order as one view shows it: status, timeline and compensations of one moment.

    The customer's details and the timeline show what ``viewer`` may see, no more.
    """
    visible = visible_details(viewer, view.customer_id, view.status, view.timeline)
    contact = shown_contact(view.contact, visible)
    return OrderResponse(
        order_id=view.order_id,
        status=view.status,
        customer_id=view.customer_id,
        customer=CustomerDetails.model_validate(contact) if contact else None,
        total=view.total,
        items=view.items,
        timeline=redacted_timeline(view.timeline, visible),
        compensations=view.compensations,
        needs_attention=view.needs_attention,
        links=links(settings, view.order_id),
    )


def summary(settings: Settings, snapshot: OrderSnapshot) -> OrderSummary:
    """A list row."""
    return OrderSummary(
        order_id=snapshot.order_id,
        status=snapshot.status,
        customer_id=snapshot.customer_id,
        total=snapshot.total,
        items=snapshot.items,
        needs_attention=snapshot.needs_attention,
        links=links(settings, snapshot.order_id),
    )
