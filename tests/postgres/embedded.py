"""A throwaway PostgreSQL server for tests, on ``infra.embedded_postgres``.

``initdb`` into a private temporary directory, the server on 127.0.0.1 and a
free port, fsync off (a test database need not survive a crash). ``stop()``
stops it and deletes the directory; should the test process die without
getting there (SIGKILL, a timeout's SIGTERM), a watchdog process started with
the server does the same.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from infra.embedded_postgres import (
    RUN_TIMEOUT_SECONDS,
    PostgresDirectory,
    postgres_binaries,
    reachable_binaries,
)

__all__ = ["EmbeddedPostgres", "free_port", "postgres_binaries", "reachable_binaries"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class EmbeddedPostgres(PostgresDirectory):
    """One server in a temporary directory; databases are created and dropped per test."""

    def __init__(self) -> None:
        super().__init__(Path(tempfile.mkdtemp(prefix="pizzeria-pg-")), free_port())

    def start(self) -> None:
        """initdb and start; raises with the server log when it does not come up."""
        self.initdb()
        try:
            self.resume()
        finally:
            self._watch()

    def pause(self) -> None:
        """Stop the server, keeping its data: clients see the database gone (chaos drills)."""
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        """Start the server on its data and port (again), fsync off."""
        options = " ".join([*self.options(), "-F"])
        log = self.root / "server.log"
        try:
            self.run("pg_ctl", "-D", str(self.data), "-l", str(log), "-o", options, "-w", "start")
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"PostgreSQL did not start:\n{log.read_text()}") from error

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory."""
        stop_server(self.root, self.user)

    def create_database(self) -> str:
        """A new empty database; returns its name."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        self.sql(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, closing connections a test left open."""
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _watch(self) -> None:
        """Leave a process behind that stops the server once this process is gone."""
        subprocess.Popen(
            [sys.executable, __file__, str(os.getpid()), str(self.root), self.user or ""],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )


def watch(owner_pid: int, root: Path, user: str | None) -> None:
    """Wait for ``owner_pid`` to end, then stop the server in ``root`` (if still there)."""
    while True:
        try:
            os.kill(owner_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(1)
    stop_server(root, user)


def stop_server(root: Path, user: str | None) -> None:
    """Stop the server whose data lives in ``root``/data, if it runs, and delete ``root``."""
    data = root / "data"
    try:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [
                    str(postgres_binaries(user) / "pg_ctl"),
                    "-D",
                    str(data),
                    "-m",
                    "fast",
                    "-w",
                    "stop",
                ],
                user=user,
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=RUN_TIMEOUT_SECONDS,
                check=False,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    watch(int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] or None)
