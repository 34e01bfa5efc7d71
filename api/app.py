"""The FastAPI application: routers, error mapping and the lifespan that opens the runtime."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api.codec import CODEC_PATH, create_codec_app
from api.errors import install_error_handlers
from api.observability import install_observability
from api.routers import admin, delivery, events, health, inventory, kitchen, menu, orders
from api.runtime import RuntimeFactory, open_runtime
from infra.settings import Settings

DESCRIPTION = """
Mario's Pizzeria: place an order and follow it from the oven to the door.
Every order runs as a durable Temporal workflow; `links.workflow` on an order
opens its history in the Temporal web UI.

Authenticate with `Authorization: Bearer <token>`. Dev tokens:
`dev-customer-token`, `dev-kitchen-token`, `dev-driver-token`, `dev-admin-token`.
"""


class InsecureConfiguration(RuntimeError):
    """Settings that must never reach production (dev tokens)."""


def create_app(
    settings: Settings | None = None, *, runtime_factory: RuntimeFactory = open_runtime
) -> FastAPI:
    """The API for ``settings`` (read from the environment when None)."""
    settings = settings or Settings()
    refuse_insecure(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime_factory(settings) as runtime:
            app.state.runtime = runtime
            yield

    # Swagger UI and ReDoc served from the package, not a CDN: /docs works offline.
    app = FastAPIOffline(
        title="Mario's Pizzeria",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for module in (orders, kitchen, delivery, events, menu, health, admin, inventory):
        app.include_router(module.router)
    install_observability(app)
    if settings.mode == "orchestration":  # choreography has no Temporal payloads to decode
        app.mount(CODEC_PATH, create_codec_app(settings, app.state))
    return app


def refuse_insecure(settings: Settings) -> None:
    """Production must not start with the well-known dev tokens configured."""
    if settings.env == "production" and settings.uses_dev_tokens():
        raise InsecureConfiguration(
            "refusing to start: PIZZERIA_ENV=production but dev tokens are configured; "
            'set PIZZERIA_TOKENS to your own tokens, e.g. PIZZERIA_TOKENS=\'{"<secret>": "admin"}\''
        )
