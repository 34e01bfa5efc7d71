"""The real app in-process on fakes that record every call: for authorization and input tests.

``FakeGateway`` stands in for Temporal (our own port, so a fake, not a mock) and
``Recorder`` wraps the real services, so a test can say "nothing reached
Temporal or the database". Tokens are real JWTs signed by the test's dev key.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.auth import dev_key
from api.runtime import Runtime
from domain.errors import OrderNotFound
from domain.order import OrderItem, OrderStatus
from infra.ports import free_port
from infra.settings import Settings
from services.messages import OrderView
from workflows.contracts import OrderState

MUTATIONS = frozenset(
    {"place", "advance", "cancel", "deliver_event", "retry_compensation", "resolve_compensation"}
)


class FakeGateway:
    """Knows the orders it is given; records every call as ``(method, order id)``."""

    def __init__(self, orders: dict[str, OrderState]) -> None:
        self.orders = orders
        self.calls: list[tuple[str, str]] = []

    async def place(self, order: Any) -> None:
        self.calls.append(("place", order.order_id))

    async def state(self, order_id: str) -> OrderState | None:
        self.calls.append(("state", order_id))
        return self.orders.get(order_id)

    async def view(self, order_id: str) -> OrderView | None:
        self.calls.append(("view", order_id))
        state = self.orders.get(order_id)
        return OrderView(**state.model_dump()) if state else None

    async def advance(self, command: Any) -> OrderState:
        return self._known("advance", command.order_id)

    async def cancel(self, command: Any) -> OrderState:
        return self._known("cancel", command.order_id)

    async def deliver_event(self, event: Any) -> None:
        self._known("deliver_event", event.order_id)

    async def retry_compensation(self, command: Any) -> OrderState:
        return self._known("retry_compensation", command.order_id)

    async def resolve_compensation(self, command: Any) -> OrderState:
        return self._known("resolve_compensation", command.order_id)

    def mutations(self) -> list[tuple[str, str]]:
        """The calls that would have changed an order."""
        return [call for call in self.calls if call[0] in MUTATIONS]

    def _known(self, method: str, order_id: str) -> OrderState:
        self.calls.append((method, order_id))
        if order_id not in self.orders:
            raise OrderNotFound(f"no order with id '{order_id}'")
        return self.orders[order_id]


class Recorder:
    """Wraps an object; every method called on it (or on its attributes) lands in ``calls``."""

    def __init__(self, target: Any, calls: list[str], prefix: str = "") -> None:
        self._target, self._calls, self._prefix = target, calls, prefix

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        path = f"{self._prefix}{name}"
        if callable(value):

            def call(*args: Any, **kwargs: Any) -> Any:
                self._calls.append(path)
                return value(*args, **kwargs)

            return call
        return Recorder(value, self._calls, f"{path}.")


def order_state(order_id: str, customer_id: str, status: OrderStatus) -> OrderState:
    """A live order of ``customer_id``."""
    return OrderState(
        order_id=order_id,
        status=status,
        customer_id=customer_id,
        total=Decimal("27.00"),
        items=[OrderItem(pizza="margherita", size="large", quantity=2)],
    )


def app_on(settings: Settings, gateway: FakeGateway, services: Any) -> FastAPI:
    """The real app with ``gateway`` and ``services`` as its runtime."""

    @asynccontextmanager
    async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
        yield Runtime(settings=settings, gateway=gateway, services=services)  # type: ignore[arg-type]

    return create_app(settings, runtime_factory=runtime)


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on ``app`` in-process, lifespan entered."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def token_maker(settings: Settings) -> Callable[..., str]:
    """``make(subject, role, **claims)``: a JWT signed by the dev key in ``settings.data_dir``."""
    key = dev_key.load_or_create(settings.data_dir)

    def make(subject: str, role: str, ttl: float = 300, **claims: Any) -> str:
        return dev_key.sign(
            key,
            {"sub": subject, "role": role, **claims},
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            ttl_seconds=ttl,
        )

    return make


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def settings_for(tmp_path: Path) -> Settings:
    """Test settings on a SQLite file under ``tmp_path``."""
    return Settings(
        _env_file=None,
        env="test",
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'pizzeria.db'}",
        smtp_host=None,
    )


@asynccontextmanager
async def live_server(app: FastAPI) -> AsyncIterator[str]:
    """``app`` (lifespan entered already) served by uvicorn on a free port of 127.0.0.1."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(20):
            while not server.started:  # noqa: ASYNC110 - uvicorn has no event for "started"
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
