"""Refuse a request before its body is read: a pure ASGI middleware around the app.

FastAPI reads and parses a declared body before it runs a route's
dependencies, so a role check written as a dependency alone comes too late: an
anonymous caller could make the API read and parse megabytes. The guard hands
the app a ``receive`` that, the first time anyone asks for the body, looks at
the route the router chose (``scope["route"]``), reads the roles its
dependencies demand (``require(...)`` marks them with ``mark_roles``),
authenticates and checks the role, and raises the 401/403/503 instead of
reading a byte when the caller may not. Routes that never read a body are
checked by the same dependencies as usual; those find the principal in
``request.state`` and do not verify the token twice.
"""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth.authenticator import Authenticator, Unauthenticated
from api.auth.keys import KeysUnavailable
from api.auth.principal import Principal, Role

ROLES_MARK = "pizzeria_allowed_roles"
F = TypeVar("F", bound=Callable[..., Any])


def mark_roles(roles: Iterable[Role]) -> Callable[[F], F]:
    """Tag a dependency with the roles it lets through, for the guard to find."""

    def tag(dependency: F) -> F:
        setattr(dependency, ROLES_MARK, frozenset(roles))
        return dependency

    return tag


def required_roles(dependant: Dependant) -> frozenset[Role] | None:
    """The roles every marked dependency of a route allows; None when the route is public."""
    found: frozenset[Role] | None = getattr(dependant.call, ROLES_MARK, None)
    for dependency in dependant.dependencies:
        inner = required_roles(dependency)
        if inner is not None:
            found = inner if found is None else found & inner
    return found


class Guard:
    """Authentication and role check before any route reads a request body."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self._app = app
        self._authenticator = authenticator
        self._requirements: dict[int, frozenset[Role] | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self._app(scope, receive, send)
        admitted = False

        async def guarded() -> Message:
            nonlocal admitted
            if not admitted:
                await self.admit(scope)
                admitted = True
            return await receive()

        await self._app(scope, guarded, send)

    async def admit(self, scope: Scope) -> Principal | None:
        """The caller, if the route demands a role; HTTPException when it may not go on."""
        roles = self._requirement(scope.get("route"))
        if roles is None:
            return None
        state = scope.setdefault("state", {})
        principal = state.get("principal")
        if not isinstance(principal, Principal):
            principal = await authenticate(self._authenticator, _authorization(scope))
            state["principal"] = principal
        if principal.role not in roles:
            allowed = ", ".join(sorted(roles))
            raise HTTPException(403, f"role '{principal.role}' may not do this; allowed: {allowed}")
        return principal

    def _requirement(self, route: object) -> frozenset[Role] | None:
        if not isinstance(route, APIRoute):
            return None
        if id(route) not in self._requirements:
            self._requirements[id(route)] = required_roles(route.dependant)
        return self._requirements[id(route)]


async def authenticate(authenticator: Authenticator, authorization: str | None) -> Principal:
    """The caller of a request carrying ``authorization``; 401 or 503 as HTTPException."""
    try:
        return await authenticator.authenticate(authorization)
    except Unauthenticated as refused:
        raise HTTPException(401, str(refused), {"WWW-Authenticate": "Bearer"}) from None
    except KeysUnavailable as down:
        raise HTTPException(503, f"{down}; try again shortly", {"Retry-After": "5"}) from None


def _authorization(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return str(value.decode("latin-1"))
    return None
