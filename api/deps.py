"""Dependencies routers declare with ``Annotated`` aliases: runtime pieces and role checks.

All are ``async def``: FastAPI would run plain functions in a thread pool, a
hop per dependency per request for work that never blocks.

A role check runs before the body is used and before anything reaches the
order gateway, so a request with a missing, unknown or wrong token changes
nothing.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.runtime import Runtime
from infra.settings import Settings
from services.container import Services
from workflows.gateway import OrderGateway

Role = Literal["customer", "kitchen", "driver", "admin"]
ROLES: dict[str, Role] = {role: role for role in ("customer", "kitchen", "driver", "admin")}

bearer = HTTPBearer(
    auto_error=False, description="A token that maps to a role, e.g. dev-customer-token"
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


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
GatewayDep = Annotated[OrderGateway, Depends(get_gateway)]
ServicesDep = Annotated[Services, Depends(get_services)]


async def caller_role(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Role:
    """The caller's role from its bearer token; 401 when the token is missing or unknown."""
    if credentials is None:
        raise _unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    role = ROLES.get(settings.tokens.get(credentials.credentials, ""))
    if role is None:
        raise _unauthorized("unknown bearer token")
    return role


def require(*allowed: Role) -> Callable[[Role], Coroutine[None, None, Role]]:
    """A dependency that lets only ``allowed`` roles through (403 for the others)."""

    async def check(role: Annotated[Role, Depends(caller_role)]) -> Role:
        if role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role '{role}' may not do this; allowed: {', '.join(allowed)}",
            )
        return role

    return check


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, {"WWW-Authenticate": "Bearer"})


AnyRole = Annotated[Role, Depends(caller_role)]
CustomerRole = Annotated[Role, Depends(require("customer"))]
CustomerOrAdminRole = Annotated[Role, Depends(require("customer", "admin"))]
KitchenRole = Annotated[Role, Depends(require("kitchen"))]
DriverRole = Annotated[Role, Depends(require("driver"))]
StaffRole = Annotated[Role, Depends(require("kitchen", "driver", "admin"))]
AdminRole = Annotated[Role, Depends(require("admin"))]
