"""The admin page's forms: a stock-take and provider faults, through the API's own handlers."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.responses import HTMLResponse, Response

from api.auth.principal import Principal
from api.deps import RuntimeDep
from api.routers import admin, attention, inventory
from api.routers.common import OrderId
from api.runtime import Runtime
from api.schemas import ResolveRequest
from services.messages import Fault
from web.actions import act
from web.admin_board import admin_board
from web.errors import is_htmx, notice
from web.render import fragment
from web.session import SameOrigin, role_in

router = APIRouter(include_in_schema=False, tags=["pages"], dependencies=[SameOrigin])
Admin = Annotated[Principal, Depends(role_in("admin"))]


@router.post("/web/admin/stock")
async def stock_take(request: Request, who: Admin, runtime: RuntimeDep) -> Response:
    """Record a count, as PUT /admin/inventory/{ingredient}."""
    form = await request.form()
    ingredient = str(form.get("ingredient") or "")
    try:
        counted = inventory.StockTake(quantity=form.get("quantity"))
    except ValidationError:
        return notice(request, "Portions counted must be a whole number, 0 or more.", 422, "/admin")
    call = inventory.count_stock(counted, who, runtime.services, ingredient)
    answer = await act(request, call, f"{ingredient}: {counted.quantity} portions.", "/admin")
    return await with_board(request, answer, runtime)


@router.post("/web/admin/faults/{provider}/{verb}")
async def fault(
    request: Request, provider: str, verb: str, who: Admin, runtime: RuntimeDep
) -> Response:
    """Take a provider down or let it work again, as PUT/DELETE /admin/faults/{provider}."""
    if not runtime.settings.faults_on() or verb not in ("down", "clear"):
        return notice(request, "Fault injection is not enabled here.", 404, "/admin")
    if verb == "down":
        down = admin.set_fault(Fault(mode="down"), who, runtime.services, provider)
        answer = await act(request, down, f"{provider} is down until you restore it.", "/admin")
    else:
        clear = admin.clear_fault(who, runtime.services, provider)
        answer = await act(request, clear, f"{provider} works again.", "/admin")
    return await with_board(request, answer, runtime)


@router.post("/web/admin/orders/{order_id}/retry")
async def retry(request: Request, order_id: OrderId, who: Admin, runtime: RuntimeDep) -> Response:
    """Try the stuck undo again, as POST /admin/orders/{id}/compensation/retry."""
    call = attention.retry_compensation(order_id, who, runtime)
    return await act(request, call, f"Order {order_id[:8]}: the undo was tried again.", "/admin")


@router.post("/web/admin/orders/{order_id}/resolve")
async def resolve(request: Request, order_id: OrderId, who: Admin, runtime: RuntimeDep) -> Response:
    """Settle the stuck undo by hand, as POST /admin/orders/{id}/compensation/resolve."""
    try:
        body = ResolveRequest(note=str((await request.form()).get("note") or ""))
    except ValidationError:
        return notice(request, "Say how it was settled (a note of 1 to 300 characters).", 422)
    call = attention.resolve_compensation(order_id, body, who, runtime)
    return await act(request, call, f"Order {order_id[:8]} marked settled by hand.", "/admin")


async def with_board(request: Request, answer: Response, runtime: Runtime) -> Response:
    """The notice plus fresh stock and faults (they are no order change, so no stream says so)."""
    if not is_htmx(request):
        return answer
    board = await admin_board(runtime)
    fresh = "".join(
        f'<div id="{part}" hx-swap-oob="innerHTML">'
        f"{fragment(f'partials/admin_{part}.html', board=board)}</div>"
        for part in ("stock", "faults")
    )
    return HTMLResponse(bytes(answer.body).decode() + fresh, answer.status_code)
