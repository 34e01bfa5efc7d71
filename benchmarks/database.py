"""The database a bench run uses: a SQLite file, the PostgreSQL you name, or one started here.

``--database postgres`` without a URL starts a throwaway PostgreSQL
(``infra.embedded_postgres``, the server the tests use) for the whole bench
and charges its CPU, backends included, to the role ``database``.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from infra.embedded_postgres import EmbeddedPostgres

DATABASE_ROLE = "database"


@dataclass(frozen=True)
class BenchDatabase:
    """Where the services keep their tables, and the processes to measure for it."""

    url: str | None
    """None: a SQLite file in the bench's own directory."""
    pids: dict[str, list[int]] = field(default_factory=dict)


@contextlib.contextmanager
def bench_database(kind: str, url: str | None) -> Iterator[BenchDatabase]:
    """The given URL, SQLite (None), or an embedded PostgreSQL, stopped on the way out."""
    if kind == "sqlite" or url is not None:
        yield BenchDatabase(url)
        return
    server = EmbeddedPostgres()
    try:
        server.start()
        name = server.create_database()
        yield BenchDatabase(server.url(name), {DATABASE_ROLE: [server.pid()]})
    finally:
        server.stop()
