"""What ``pizzeria up`` runs: the dev server's flags, each child's command line and environment."""

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from infra.binaries import binary
from infra.ports import free_ports
from infra.settings import sqlite_in
from workflows.names import search_attribute_flags

# Tuned as DESIGN.md section 1 measured: WAL instead of the rollback journal, and history
# processors that poll at 1000/s instead of adding a 50 ms tick per workflow task.
TUNING_FLAGS = [
    "--sqlite-pragma",
    "journal_mode=wal",
    "--sqlite-pragma",
    "synchronous=normal",
    *(
        flag
        for processor in ("transfer", "timer", "visibility")
        for flag in ("--dynamic-config-value", f"history.{processor}ProcessorMaxPollRPS=1000")
    ),
]


@dataclass(frozen=True)
class StackPlan:
    """Ports and places for one local stack; the database defaults to a SQLite file in data_dir."""

    data_dir: Path
    database_url: str | None = None
    host: str = "127.0.0.1"
    temporal_port: int = 7233
    ui_port: int = 8233
    api_port: int = 8000

    @property
    def temporal_address(self) -> str:
        """Where the worker and the API reach Temporal."""
        return f"{self.host}:{self.temporal_port}"

    @property
    def ui_url(self) -> str:
        """The Temporal web UI."""
        return f"http://localhost:{self.ui_port}"

    @property
    def api_url(self) -> str:
        """The HTTP API."""
        return f"http://localhost:{self.api_port}"

    def ports(self) -> set[int]:
        """The ports this plan's pieces listen on."""
        return {self.temporal_port, self.ui_port, self.api_port}

    def temporal_argv(self, others: Iterable[int] = ()) -> list[str]:
        """``temporal server start-dev`` with persistent state and our search attributes.

        ``others``: ports that pieces beyond this plan's own will listen on (a cluster's).
        """
        # Left to itself the dev server binds its HTTP API and metrics to random free ports,
        # which can land on a port of the stack that is chosen but not bound yet (seen: "bind:
        # address already in use" for the UI). Named here, they miss every port of the stack.
        http_port, metrics_port = free_ports(2, besides={*self.ports(), *others})
        return [
            str(binary("temporal")),
            *("server", "start-dev", "--db-filename", str(self.data_dir / "temporal.db")),
            *("--ip", self.host, "--port", str(self.temporal_port)),
            *("--ui-port", str(self.ui_port), "--ui-disable-news-fetch"),
            *("--http-port", str(http_port), "--metrics-port", str(metrics_port)),
            # The UI decodes payloads through the API's codec endpoint (api/codec.py).
            *("--ui-codec-endpoint", f"{self.api_url}/codec"),
            *("--log-level", "warn"),
            *TUNING_FLAGS,
            *search_attribute_flags(),
        ]

    def worker_argv(self) -> list[str]:
        """The Temporal worker."""
        return [sys.executable, "-m", "worker"]

    def api_argv(self) -> list[str]:
        """The HTTP API under uvicorn."""
        return [
            sys.executable,
            "-m",
            "cli",
            "api",
            "--host",
            self.host,
            "--port",
            str(self.api_port),
        ]

    def environment(self) -> dict[str, str]:
        """The caller's environment with the addresses of this stack filled in."""
        env = dict(os.environ)
        # Both spellings: Settings reads TEMPORAL_ADDRESS first if a user's shell sets it.
        env["TEMPORAL_ADDRESS"] = env["PIZZERIA_TEMPORAL_ADDRESS"] = self.temporal_address
        env["PIZZERIA_TEMPORAL_UI_URL"] = self.ui_url
        env["PIZZERIA_DATA_DIR"] = str(self.data_dir)
        env["PIZZERIA_DATABASE_URL"] = self.database_url or sqlite_in(self.data_dir)
        env["PIZZERIA_API_HOST"] = self.host
        env["PIZZERIA_API_PORT"] = str(self.api_port)
        env["PIZZERIA_PUBLIC_URL"] = self.api_url
        env["PYTHONUNBUFFERED"] = "1"
        env.setdefault("PIZZERIA_LOG_FORMAT", "console")
        return env
