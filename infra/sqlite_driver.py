"""SQLAlchemy's aiosqlite adapter with one thread hop per statement.

aiosqlite runs every call on its connection's own thread and the event loop
waits for each: the stock adapter makes one such hop to open a cursor, one to
execute, one to fetch the rows and one to close it, and one more for every
COMMIT and ROLLBACK, even of a transaction that never wrote. Counted in the
bench (25 saga orders): 7216 hops in the worker, 1741 in the API. Here a
statement is one hop that opens, executes, fetches everything and closes on
that thread, and a COMMIT or ROLLBACK with no transaction open is skipped
(sqlite3 begins one only before a write): 1805 and 389 hops.

It builds on aiosqlite's ``Connection._execute``, the call its own methods
use to queue work for the connection's thread (aiosqlite is pinned).
"""

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

Outcome = tuple[Any, int, int | None, list[Any]]
"""What a statement left: description, rowcount, lastrowid and every row."""


def _run(conn: sqlite3.Connection, many: bool, operation: str, parameters: Any) -> Outcome:
    """On the connection's thread: the whole statement, cursor opened and closed."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        # rowcount after the fetch: for INSERT … RETURNING sqlite3 counts as rows are read.
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor that holds one statement's outcome; no aiosqlite cursor behind it."""

    __slots__ = ("_description", "_lastrowid", "_rowcount", "arraysize")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self.arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._hop(False, operation, parameters)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._hop(True, operation, seq_of_parameters)

    def _hop(self, many: bool, operation: str, parameters: Any) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            hop = connection._execute(_run, connection._conn, many, operation, parameters)  # type: ignore[no-untyped-call]
            outcome = await_(hop)
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = deque(rows)

    async def _async_soft_close(self) -> None:
        """Nothing to close: the rows and the description are already here."""

    def close(self) -> None:
        self._rows.clear()

    def nextset(self) -> None:
        """sqlite3 has one result set per statement."""

    def setinputsizes(self, *inputsizes: Any) -> None:
        """Ignored, as by sqlite3."""


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """Plain cursors hop once; COMMIT and ROLLBACK only when a transaction is open."""

    __slots__ = ()

    _cursor_cls = OneHopCursor  # type: ignore[assignment]  # a subclass, as SQLAlchemy's are

    def commit(self) -> None:
        if self._connection.in_transaction:
            super().commit()

    def rollback(self) -> None:
        if self._connection._connection and self._connection.in_transaction:
            super().rollback()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The aiosqlite DBAPI module whose connections are ``OneHopConnection``s."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        creator = kw.pop("async_creator_fn", None)
        if creator is not None:
            return OneHopConnection(self, await_(creator(*arg, **kw)))
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy does: never hold up the exit
        return OneHopConnection(self, await_(connection))


def one_hop_dbapi() -> OneHopDBAPI:
    """The module to hand ``create_async_engine(module=…)`` for a SQLite URL."""
    return OneHopDBAPI(aiosqlite, sqlite3)
