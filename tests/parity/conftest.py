"""Parity runs both modes: the orchestration stack from the integration suite is reused here."""

from tests.integration.conftest import (  # noqa: F401  (fixtures, found by name)
    dev_server,
    stack_engine,
    stack_services,
    stack_settings,
    stack_worker,
    temporal_client,
)
