"""``pizzeria up`` as the chaos suite drives it: started on free ports, its children killed by name.

The stack under test is the product's own launcher, so a SIGKILLed child comes
back the way it would for a user: ``pizzeria up`` restarts it in place.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from infra.ports import free_port

REPO = Path(__file__).resolve().parents[2]
READY_SECONDS = 120.0
# How to recognise each child of ``pizzeria up`` by its command line.
CHILDREN = {
    "Temporal": ("start-dev",),
    "worker": ("-m", "worker"),
    "API": ("cli", "api"),
    "NATS": ("-js",),
    "relay": ("cli", "relay"),
    "consumers": ("cli", "consumers"),
}


class UpStack:
    """One ``pizzeria up`` of a test's own, in either mode, on SQLite or a given database."""

    def __init__(self, tmp_path: Path, mode: str, database_url: str | None = None) -> None:
        temporal, ui, self.api_port, nats = (free_port() for _ in range(4))
        self.data_dir = tmp_path / "data"
        self.database_url = database_url or f"sqlite+aiosqlite:///{self.data_dir}/pizzeria.db"
        self.argv = [
            *(sys.executable, "-m", "cli", "up", "--mode", mode, "--data-dir", str(self.data_dir)),
            *("--temporal-port", str(temporal), "--ui-port", str(ui), "--nats-port", str(nats)),
            *("--api-port", str(self.api_port)),
        ]
        self.env = {**os.environ, "PIZZERIA_ENV": "dev"}
        if database_url:
            self.env["PIZZERIA_DATABASE_URL"] = database_url
        self.log_path = tmp_path / "up.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.placed: set[str] = set()  # every order id the drills placed on this stack

    @property
    def url(self) -> str:
        """The API's base URL."""
        return f"http://127.0.0.1:{self.api_port}"

    def start(self) -> None:
        """Start and wait until the API is ready."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv, cwd=REPO, env=self.env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + READY_SECONDS
        while not self.ready():
            assert self.process.poll() is None, self.log()
            assert time.monotonic() < deadline, f"not ready in {READY_SECONDS}s:\n{self.log()}"
            time.sleep(0.2)

    def ready(self) -> bool:
        """GET /readyz answers 200."""
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def child(self, name: str) -> psutil.Process:
        """The running child called ``name`` (as ``pizzeria up`` names it)."""
        assert self.process is not None
        marks = CHILDREN[name]
        for child in psutil.Process(self.process.pid).children():
            line = child.cmdline()
            if all(mark in line for mark in marks):
                return child
        raise LookupError(f"no {name} among the children of pizzeria up:\n{self.log()}")

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> int:
        """Send ``sig`` to the child ``name``; its pid."""
        child = self.child(name)
        child.send_signal(sig)
        return child.pid

    def stop(self) -> int | None:
        """SIGTERM ``pizzeria up`` and wait; SIGKILL if it lingers. The exit code."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def log(self) -> str:
        """What ``pizzeria up`` printed."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def audit(self) -> subprocess.CompletedProcess[str]:
        """``pizzeria audit`` on this stack's database."""
        command = [sys.executable, "-m", "cli", "audit", "--database-url", self.database_url]
        return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
