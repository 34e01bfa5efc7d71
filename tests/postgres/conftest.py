"""Fixtures for PostgreSQL-only tests; the server itself comes from tests/conftest.py."""

from collections.abc import Iterator

import pytest

from infra.embedded_postgres import EmbeddedPostgres


@pytest.fixture
def postgres_url(postgres_server: EmbeddedPostgres) -> Iterator[str]:
    """A fresh, empty PostgreSQL database of this test's own (asyncpg URL)."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)
