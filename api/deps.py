"""Dependencies routers declare with ``Annotated`` aliases: runtime pieces and who is asking.

All are ``async def``: FastAPI would run plain functions in a thread pool, a
hop per dependency per request for work that never blocks.

Routers ask for a ``Principal`` (``CurrentUser``, or a role alias such as
``AdminRole``) and never parse headers. ``api.auth.guard`` enforces the same
role marks before the body is read; these dependencies repeat the check so a
route is safe even without the guard in front of it.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth.authenticator import Authenticator
from api.auth.guard import authenticate, mark_roles
from api.auth.principal import ROLES, Principal, Role
from api.runtime import Runtime
from infra.settings import Settings
from services.change_feed import ChangeFeed
from services.container import Services
from workflows.gateway import OrderGateway

bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="A JWT from the identity provider (dev: `pizzeria token ROLE`, or a dev token "
    "such as dev-customer-token)",
)


async def get_runtime(request: Request) -> Runtime:
    """The runtime the lifespan opened."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_settings(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Settings:
    """The settings the app was created with."""
    return runtime.settings


async def get_gateway(runtime: Annotated[Runtime, Depends(get_runtime)]) -> OrderGateway:
    """The port that drives orders."""
    return runtime.gateway


async def get_services(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Services:
    """The services (read model, fault injection)."""
    return runtime.services


async def get_feed(request: Request) -> ChangeFeed:
    """The process's change feed (``services.change_feed``)."""
    feed: ChangeFeed = request.app.state.feed
    return feed


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
FeedDep = Annotated[ChangeFeed, Depends(get_feed)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
GatewayDep = Annotated[OrderGateway, Depends(get_gateway)]
ServicesDep = Annotated[Services, Depends(get_services)]


@mark_roles(ROLES)
async def current_user(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller; the guard usually authenticated it already, before the body was read."""
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):
        authenticator: Authenticator = request.app.state.authenticator
        principal = await authenticate(authenticator, request.headers.get("authorization"))
        request.state.principal = principal
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]


def require(*allowed: Role) -> Callable[[Principal], Coroutine[None, None, Principal]]:
    """A dependency that lets only ``allowed`` roles through (403 for the others)."""

    @mark_roles(allowed)
    async def check(principal: CurrentUser) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role '{principal.role}' may not do this; allowed: {', '.join(sorted(allowed))}",
            )
        return principal

    return check


AnyRole = CurrentUser
CustomerRole = Annotated[Principal, Depends(require("customer"))]
CustomerOrAdminRole = Annotated[Principal, Depends(require("customer", "admin"))]
KitchenRole = Annotated[Principal, Depends(require("kitchen"))]
DriverRole = Annotated[Principal, Depends(require("driver"))]
StaffRole = Annotated[Principal, Depends(require("kitchen", "driver", "admin"))]
AdminRole = Annotated[Principal, Depends(require("admin"))]
