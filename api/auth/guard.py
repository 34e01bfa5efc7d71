"""Refuse a request before its body is read: a pure ASGI middleware in front of the routes.

FastAPI reads and parses a declared body before it runs a route's
dependencies, so a role check written as a dependency alone comes too late:
an anonymous caller could make the API read and parse megabytes. The guard
finds the route a request is for, reads the roles its dependencies demand
(``require(...)`` marks them with ``mark_roles``), authenticates and checks the
role, and only then lets the app see the request. The dependencies still run
and find the principal the guard left in ``request.state``.
"""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

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


def refusal(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The API's error body."""
    return JSONResponse({"detail": detail}, status, headers)


class Guard:
    """Authentication and role check for every route that demands a role."""

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute], authenticator: Authenticator):
        self._app = app
        self._routes = routes
        self._authenticator = authenticator
        self._requirements: dict[int, frozenset[Role] | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        roles = self._requirement(scope) if scope["type"] == "http" else None
        if roles is None:
            return await self._app(scope, receive, send)
        outcome = await self._admit(_authorization(scope), roles)
        if isinstance(outcome, JSONResponse):
            return await outcome(scope, receive, send)
        scope.setdefault("state", {})["principal"] = outcome
        await self._app(scope, receive, send)

    async def _admit(
        self, authorization: str | None, roles: frozenset[Role]
    ) -> Principal | JSONResponse:
        try:
            principal = await self._authenticator.authenticate(authorization)
        except Unauthenticated as refused:
            return refusal(401, str(refused), {"WWW-Authenticate": "Bearer"})
        except KeysUnavailable as down:
            return refusal(503, f"{down}; try again shortly", {"Retry-After": "5"})
        if principal.role not in roles:
            allowed = ", ".join(sorted(roles))
            return refusal(403, f"role '{principal.role}' may not do this; allowed: {allowed}")
        return principal

    def _requirement(self, scope: Scope) -> frozenset[Role] | None:
        for route in self._routes:
            if isinstance(route, APIRoute) and route.matches(scope)[0] == Match.FULL:
                if id(route) not in self._requirements:
                    self._requirements[id(route)] = required_roles(route.dependant)
                return self._requirements[id(route)]
        return None


def _authorization(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return str(value.decode("latin-1"))
    return None
