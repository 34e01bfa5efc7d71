"""The real stack for integration tests, started once per session.

A Temporal dev server (the ``temporal`` binary beside the interpreter, tuned
and with our search attributes), the real worker with real services on a
SQLite file, and the API app served in-process through httpx's ASGI
transport. Fixtures start lazily: a test that asks for none of them pays for
none of them. ``OrderDesk`` drives orders over HTTP for tests.
"""

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from cli.stack import TUNING_FLAGS
from infra.binaries import binary
from infra.database import make_engine, make_session_factory
from infra.settings import DEV_SUBJECTS, DEV_TOKENS, Settings
from infra.temporal import connect
from services.container import Services, build_services, prepare_database
from tests.api_harness import token_maker
from tests.support import TEST_CODEC_KEY, encrypted_converter
from worker import build_worker
from workflows.names import search_attribute_flags, workflow_id

TOKENS = {role: token for token, role in DEV_TOKENS.items()}
WAIT_SECONDS = 30.0


def order_body(customer_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid POST /orders body for the dev customer cust-42 (or ``customer_id``)."""
    body: dict[str, Any] = {
        "customer": {
            "id": customer_id or DEV_SUBJECTS["customer"],
            "name": "Luigi",
            "phone": "+39 055 123 4567",
            "email": "luigi@example.com",
        },
        "items": [{"pizza": "margherita", "size": "large", "quantity": 2}],
        "delivery_address": "Via Roma 1, Firenze",
    }
    return {**body, **overrides}


def auth(role: str) -> dict[str, str]:
    """The Authorization header of ``role``'s dev token (the customer is cust-42)."""
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def new_customer() -> str:
    """A customer id nobody else uses."""
    return f"cust-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    """A Temporal dev server on a free port of 127.0.0.1, in memory, tuned as in production."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(binary("temporal")),
        data_converter=encrypted_converter(),
        ip="127.0.0.1",
        dev_server_extra_args=[*TUNING_FLAGS, *search_attribute_flags()],
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
def stack_settings(
    dev_server: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """Settings pointing at the session's dev server and database."""
    data_dir: Path = tmp_path_factory.mktemp("stack")
    return Settings(
        _env_file=None,
        env="test",
        data_dir=data_dir,
        database_url=f"sqlite+aiosqlite:///{data_dir / 'pizzeria.db'}",
        temporal_address=dev_server.client.service_client.config.target_host,
        public_url="http://testserver",
        smtp_host=None,
        codec_keys=[TEST_CODEC_KEY],  # the dev server fixture's client encrypts with it too
    )


@pytest.fixture(scope="session")
async def stack_engine(stack_settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The session database's engine."""
    engine = make_engine(stack_settings.database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
async def stack_services(stack_settings: Settings, stack_engine: AsyncEngine) -> Services:
    """The real services on the session database, tables created and stock seeded."""
    services = build_services(stack_settings, make_session_factory(stack_engine))
    await prepare_database(stack_engine, services)
    return services


@pytest.fixture(scope="session")
async def temporal_client(stack_settings: Settings) -> Client:
    """A client from the one client factory, for assertions on workflows."""
    return await connect(stack_settings)


@pytest.fixture(scope="session")
async def stack_worker(temporal_client: Client, stack_services: Services) -> AsyncIterator[None]:
    """The real worker (saga and activities) polling the real task queue."""
    async with build_worker(temporal_client, stack_services):
        yield


@pytest.fixture(scope="session")
async def api_app(stack_settings: Settings, stack_worker: None) -> AsyncIterator[FastAPI]:
    """The API app with its lifespan entered (its own client, engine and services)."""
    app = create_app(stack_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(scope="session")
async def http(api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    transport = httpx.ASGITransport(app=api_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


class OrderDesk:
    """Drives orders over HTTP and looks at their workflows, for tests.

    ``role`` "customer" is the dev customer cust-42; pass ``subject`` to act as
    another customer (a JWT signed by the stack's dev key).
    """

    def __init__(self, http: httpx.AsyncClient, temporal: Client, settings: Settings) -> None:
        self.http = http
        self.temporal = temporal
        self.sign = token_maker(settings)

    async def place(self, key: str | None = None, **body: Any) -> dict[str, Any]:
        """POST /orders as the body's customer and return the 202 body."""
        placed_body = order_body(**body)
        headers = self.auth("customer", placed_body["customer"]["id"])
        headers |= {"Idempotency-Key": key} if key else {}
        response = await self.http.post("/orders", json=placed_body, headers=headers)
        assert response.status_code == 202, response.text
        placed: dict[str, Any] = response.json()
        return placed

    async def get(self, order_id: str) -> dict[str, Any]:
        """GET /orders/{id} as an admin."""
        response = await self.http.get(f"/orders/{order_id}", headers=auth("admin"))
        assert response.status_code == 200, response.text
        order: dict[str, Any] = response.json()
        return order

    async def wait_for(self, order_id: str, status: str) -> dict[str, Any]:
        """Poll until the order reaches ``status``."""
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                order = await self.get(order_id)
                if order["status"] == status:
                    return order
                await asyncio.sleep(0.05)

    async def confirmed(self, **body: Any) -> str:
        """A freshly placed order once it is CONFIRMED; its id."""
        order_id: str = (await self.place(**body))["order_id"]
        await self.wait_for(order_id, "CONFIRMED")
        return order_id

    def auth(self, role: str, subject: str | None = None) -> dict[str, str]:
        """``role``'s dev token, or a signed JWT for ``subject`` as ``role``."""
        if subject is None or subject == DEV_SUBJECTS[role]:
            return auth(role)
        return {"Authorization": f"Bearer {self.sign(subject, role)}"}

    async def post(self, path: str, role: str | None, **kwargs: Any) -> httpx.Response:
        """POST ``path`` with ``role``'s token (None: no token)."""
        return await self.call("POST", path, role, **kwargs)

    async def call(
        self,
        method: str,
        path: str,
        role: str | None,
        headers: dict[str, str] | None = None,
        subject: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Any request as ``role`` (None: no token; ``subject``: someone other than the dev one)."""
        headers = (self.auth(role, subject) if role else {}) | (headers or {})
        return await self.http.request(method, path, headers=headers, **kwargs)

    @staticmethod
    def body(customer_id: str | None = None, **overrides: Any) -> dict[str, Any]:
        """A valid POST /orders body; see ``order_body``."""
        return order_body(customer_id, **overrides)

    def handle(self, order_id: str) -> WorkflowHandle[Any, Any]:
        """The order's workflow."""
        return self.temporal.get_workflow_handle(workflow_id(order_id))

    async def exists(self, order_id: str) -> bool:
        """Whether a workflow for the order was ever started."""
        try:
            await self.handle(order_id).describe()
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return False
            raise
        return True

    async def history(self, order_id: str) -> Counter[str]:
        """How many events of each type the workflow's history holds (e.g. UPDATE_ACCEPTED)."""
        events = [e async for e in self.handle(order_id).fetch_history_events()]
        return Counter(EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") for e in events)


@pytest.fixture
def desk(http: httpx.AsyncClient, temporal_client: Client, stack_settings: Settings) -> OrderDesk:
    """Order helpers on the session stack."""
    return OrderDesk(http, temporal_client, stack_settings)
