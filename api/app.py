"""The FastAPI application: routers, error mapping and the lifespan that opens the runtime."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api.auth.authenticator import authenticator_for
from api.auth.guard import Guard
from api.body_limit import MAX_BODY_BYTES, BodyLimit
from api.codec import CODEC_PATH, create_codec_app
from api.errors import install_error_handlers
from api.observability import install_observability
from api.openapi import install_openapi
from api.routers import (
    admin,
    attention,
    delivery,
    events,
    health,
    inventory,
    kitchen,
    menu,
    orders,
)
from api.runtime import RuntimeFactory, open_runtime
from infra.settings import Settings
from services.change_feed import ChangeFeed
from web import install_pages

DESCRIPTION = """
Mario's Pizzeria: place an order and follow it from the oven to the door.
Every order runs as a durable Temporal workflow; `links.workflow` on an order
opens its history in the Temporal web UI.

Authenticate with `Authorization: Bearer <JWT>`: a token from the identity
provider (`PIZZERIA_AUTH_JWKS_URL`), or in dev one from `pizzeria token ROLE`.
Dev and test also take the dev tokens `dev-customer-token` (cust-42),
`dev-kitchen-token`, `dev-driver-token` and `dev-admin-token`.
A customer sees and cancels its own orders only; anyone else's is a 404.
"""


class InsecureConfiguration(RuntimeError):
    """Settings that must never reach production (dev tokens, dev key, fault injection)."""


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
            # One change feed per process: pages' streams and ?wait_for= share its reads.
            app.state.feed = feed = ChangeFeed(lambda: runtime.services.changes)
            try:
                yield
            finally:
                await feed.close()

    # Swagger UI and ReDoc served from the package, not a CDN: /docs works offline.
    app = FastAPIOffline(
        title="Mario's Pizzeria",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for module in (orders, kitchen, delivery, events, menu, health, attention, inventory):
        app.include_router(module.router)
    install_observability(app)
    if settings.faults_on():
        app.include_router(admin.router)
    if settings.mode == "orchestration":  # choreography has no Temporal payloads to decode
        app.mount(CODEC_PATH, create_codec_app(settings, app.state))
    install_pages(app)
    install_openapi(app, MAX_BODY_BYTES)
    # The guard runs first (added last): no body is read before the caller is known and allowed.
    app.state.authenticator = authenticator = authenticator_for(settings)
    app.add_middleware(BodyLimit)
    app.add_middleware(Guard, authenticator=authenticator)
    return app


def refuse_insecure(settings: Settings) -> None:
    """Production must not start with dev tokens, the dev key or fault injection."""
    if settings.env != "production":
        return
    if settings.uses_dev_tokens():
        raise InsecureConfiguration(
            "refusing to start: PIZZERIA_ENV=production but the dev tokens are enabled; "
            "unset PIZZERIA_DEV_TOKENS"
        )
    if settings.uses_dev_key():
        raise InsecureConfiguration(
            "refusing to start: PIZZERIA_ENV=production needs an identity provider; set "
            "PIZZERIA_AUTH_JWKS_URL (and PIZZERIA_AUTH_ISSUER) to your OIDC provider's"
        )
    if settings.faults_on():
        raise InsecureConfiguration(
            "refusing to start: PIZZERIA_ENV=production but fault injection is enabled; "
            "unset PIZZERIA_FAULTS_ENABLED"
        )
