"""The pages: each renders its template with the partials its stream will push later."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from starlette.responses import HTMLResponse

from api.auth.principal import Principal
from api.deps import RuntimeDep
from api.routers.common import OrderId, read_order
from domain.errors import OrderNotFound
from domain.menu import MENU, Size
from web.admin_board import admin_board
from web.boards import delivery_board, kitchen_board
from web.render import page
from web.session import Refused, optional_viewer, role_in

router = APIRouter(include_in_schema=False, tags=["pages"])

Cook = Annotated[Principal, Depends(role_in("kitchen", "admin"))]
Driver = Annotated[Principal, Depends(role_in("driver", "admin"))]
Admin = Annotated[Principal, Depends(role_in("admin"))]
Customer = Annotated[Principal, Depends(role_in("customer", "admin"))]
Anyone = Annotated[Principal, Depends(role_in("customer", "kitchen", "driver", "admin"))]
Maybe = Annotated[Principal | None, Depends(optional_viewer)]


@router.get("/")
async def home(request: Request, _: Maybe) -> HTMLResponse:
    """Links to every page."""
    return page(request, "home.html")


@router.get("/kitchen")
async def kitchen(request: Request, cook: Cook, runtime: RuntimeDep) -> HTMLResponse:
    """The kitchen board: queue, cooking, ready."""
    return page(request, "kitchen.html", columns=await kitchen_board(runtime, cook))


@router.get("/delivery")
async def delivery(request: Request, driver: Driver, runtime: RuntimeDep) -> HTMLResponse:
    """The driver board: ready to pick up, and the driver's own deliveries."""
    return page(request, "delivery.html", columns=await delivery_board(runtime, driver))


@router.get("/track/{order_id}")
async def track(
    request: Request, order_id: OrderId, viewer: Anyone, runtime: RuntimeDep
) -> HTMLResponse:
    """One order as its customer follows it (staff may look too); someone else's is a 404."""
    try:
        order = await read_order(runtime, order_id, viewer)
    except OrderNotFound as missing:
        raise Refused(status.HTTP_404_NOT_FOUND, str(missing), "No such order") from None
    return page(request, "track.html", order=order)


@router.get("/admin")
async def admin(request: Request, _: Admin, runtime: RuntimeDep) -> HTMLResponse:
    """Orders needing attention, recent orders, stock and provider faults."""
    return page(request, "admin.html", board=await admin_board(runtime))


@router.get("/order")
async def order_form(request: Request, _: Customer) -> HTMLResponse:
    """The menu with prices, and the form to order from it."""
    return order_page(request)


def order_page(
    request: Request,
    form: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """The order form, filled in again with ``form`` when it was refused."""
    return page(
        request,
        "order.html",
        status_code,
        menu=list(MENU.values()),
        sizes=[size.value for size in Size],
        form=form or {},
        key=uuid.uuid4().hex,
        message=message,
        refused=bool(message),
    )
