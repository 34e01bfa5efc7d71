"""Placing an order from the /order form: the form becomes the API's body and goes to its route."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.auth.principal import Principal
from api.deps import RuntimeDep
from api.errors import describe_errors, summarize
from api.routers.orders import place_order
from api.schemas import PlaceOrderRequest
from domain.menu import MENU
from web.pages import order_page
from web.session import SameOrigin, role_in

router = APIRouter(include_in_schema=False, tags=["pages"], dependencies=[SameOrigin])
Customer = Annotated[Principal, Depends(role_in("customer", "admin"))]


def body_from(form: FormData, caller: Principal) -> PlaceOrderRequest:
    """The POST /orders body the form describes (a customer orders as itself)."""
    items = [
        {"pizza": pizza, "size": form.get(f"size-{pizza}"), "quantity": quantity}
        for pizza in MENU
        if (quantity := str(form.get(f"qty-{pizza}") or "0").strip()) not in ("", "0")
    ]
    customer_id = form.get("customer_id") if caller.role == "admin" else caller.subject
    return PlaceOrderRequest.model_validate(
        {
            "customer": {
                "id": customer_id,
                "name": form.get("name"),
                "phone": form.get("phone"),
                "email": form.get("email"),
            },
            "items": items,
            "delivery_address": form.get("address"),
        }
    )


@router.post("/web/orders")
async def place(request: Request, caller: Customer, runtime: RuntimeDep) -> Response:
    """Place the order as POST /orders does, then follow it on its tracker."""
    form = await request.form()
    filled = {key: str(value) for key, value in form.items()}
    try:
        body = body_from(form, caller)
    except ValidationError as invalid:
        message = f"Please check the form: {summarize(describe_errors(invalid.errors()))}"
        if not any(
            key.startswith("qty-") and value not in ("", "0") for key, value in filled.items()
        ):
            message = "Please choose at least one pizza."
        return order_page(request, filled, message, status.HTTP_422_UNPROCESSABLE_CONTENT)
    placed = await place_order(
        body, caller, runtime, Response(), str(form.get("key") or "") or None
    )
    return RedirectResponse(f"/track/{placed.order_id}", status_code=status.HTTP_303_SEE_OTHER)
