"""The one Temporal client factory: API, worker, CLI and tests all connect here."""

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from infra.prometheus import temporal_runtime
from infra.settings import Settings
from infra.telemetry import temporal_plugins

DATA_CONVERTER = pydantic_data_converter
"""Pydantic models on the wire; test environments that build their own client pass it too."""


async def connect(settings: Settings) -> Client:
    """A client for the configured server, speaking pydantic models on the wire."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=DATA_CONVERTER,
        runtime=temporal_runtime(),
        plugins=temporal_plugins(),
    )
