"""The one NATS connection factory: the API, the relay, the consumers and the tests use it."""

import nats
from nats.aio.client import Client

from infra.settings import Settings

CONNECT_TIMEOUT_SECONDS = 2.0


async def connect(settings: Settings, name: str = "pizzeria") -> Client:
    """A connection to one of the configured NATS nodes that keeps reconnecting, to any of them,
    if its server goes away."""
    return await nats.connect(
        settings.nats_server_urls(),
        name=name,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
    )


async def ping(client: Client) -> None:
    """Round-trip to the server; raises when it does not answer within two seconds."""
    if not client.is_connected:
        raise ConnectionError("not connected to NATS")
    await client.flush(timeout=2)
