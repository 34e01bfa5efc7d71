"""The one Temporal client factory: API, worker, CLI and tests all connect here."""

import dataclasses

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from infra.codec import EncryptionCodec
from infra.codec_keys import key_ring
from infra.prometheus import temporal_runtime
from infra.settings import Settings
from infra.telemetry import temporal_plugins


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic models on the wire, encrypted with the settings' keys.

    Failure messages and stack traces move into the encrypted attributes too: an
    error that quotes an address must not leave it in clear in the history.
    Test environments and the replayer that build their own client pass this.
    """
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(key_ring(settings)),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


async def connect(settings: Settings) -> Client:
    """A client for the configured server, speaking encrypted pydantic models on the wire."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        runtime=temporal_runtime(),
        plugins=temporal_plugins(),
    )
