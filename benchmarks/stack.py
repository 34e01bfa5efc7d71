"""The benchmark's own stack on free loopback ports: Temporal in memory, workers, the API.

Everything runs as child processes (``cli.processes.Child``) so that psutil can
charge CPU and memory to each piece; ``BenchStack`` stops all of them on exit,
also when a scenario fails or the user presses Ctrl-C.
"""

import contextlib
import signal
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from cli.processes import Child, StartupFailed
from cli.readiness import api_ready, wait_until
from cli.stack import TUNING_FLAGS
from infra.binaries import binary
from infra.ports import free_ports
from workflows.names import search_attribute_flags

HOST = "127.0.0.1"
STARTUP_SECONDS = 90.0
STOP_SECONDS = 15.0


def never() -> bool:
    return False


class BenchStack:
    """Temporal dev server (in memory, tuned), order workers, a baseline worker and the API."""

    def __init__(
        self, work_dir: Path, env: dict[str, str], diagnostics: Path | None = None
    ) -> None:
        self.work_dir = work_dir
        # With a diagnostics folder, logs are kept there and Python children run under cProfile.
        self.profile_dir = diagnostics
        self.log_dir = diagnostics or work_dir / "logs"
        temporal, http, metrics, api = free_ports(4)
        self.temporal_address = f"{HOST}:{temporal}"
        self.api_url = f"http://{HOST}:{api}"
        self._ports = {"http": http, "metrics": metrics, "api": api}
        self.env = env | {
            "TEMPORAL_ADDRESS": self.temporal_address,
            "PIZZERIA_TEMPORAL_ADDRESS": self.temporal_address,
            "PIZZERIA_API_HOST": HOST,
            "PIZZERIA_API_PORT": str(api),
            "PIZZERIA_PUBLIC_URL": self.api_url,
            "PIZZERIA_DATA_DIR": str(work_dir),
            "PYTHONUNBUFFERED": "1",
        }
        self.children: dict[str, list[Child]] = {}

    def __enter__(self) -> "BenchStack":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_all()

    def temporal_argv(self) -> list[str]:
        """``temporal server start-dev`` in memory, headless, with the tuning flags."""
        return [
            str(binary("temporal")),
            *("server", "start-dev", "--headless", "--log-level", "warn"),
            *("--ip", HOST, "--port", self.temporal_address.rsplit(":", 1)[1]),
            *("--http-port", str(self._ports["http"])),
            *("--metrics-port", str(self._ports["metrics"])),
            *TUNING_FLAGS,
            *search_attribute_flags(),
        ]

    def python(self, role: str, module: str) -> list[str]:
        """``python -m module``, under cProfile when profiling (one file per process)."""
        if self.profile_dir is None:
            return [sys.executable, "-m", module]
        count = len(self.children.get(role, []))
        profile = self.profile_dir / f"{role}-{count}.prof"
        return [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", module]

    def start(self, role: str, argv: list[str], extra_env: dict[str, str] | None = None) -> Child:
        """Start one more process in ``role`` (server, worker, api, ...)."""
        count = len(self.children.get(role, []))
        log = self.log_dir / f"{role}-{count}.log"
        child = Child.start(f"{role}-{count}", argv, self.env | (extra_env or {}), log)
        self.children.setdefault(role, []).append(child)
        return child

    def start_order_worker(self) -> Child:
        """One more ``python -m worker`` process for the saga."""
        return self.start("worker", self.python("worker", "worker"))

    def baseline_worker_argv(self) -> list[str]:
        """The worker for the bare baseline workflow, on its own task queue."""
        return self.python("baseline-worker", "benchmarks.worker")

    async def start_api(self, extra_env: dict[str, str] | None = None) -> Child:
        """The HTTP API under uvicorn; returns once /readyz answers."""
        argv = [*self.python("api", "cli"), "api", "--host", HOST]
        api = self.start("api", [*argv, "--port", str(self._ports["api"])], extra_env)
        await wait_until(api, api_ready(self.api_url), STARTUP_SECONDS, never)
        return api

    def stop_role(self, role: str, keep: int = 0) -> None:
        """Stop the processes of ``role`` beyond the first ``keep``."""
        children = self.children.get(role, [])
        for child in reversed(children[keep:]):
            if self.profile_dir is not None:
                self._interrupt(child)
            child.stop()
        self.children[role] = children[:keep]

    @staticmethod
    def _interrupt(child: Child) -> None:
        # uvicorn ends a SIGTERM by re-raising it, which kills cProfile before it writes;
        # after SIGINT the profiler still gets to save its file.
        if child.alive():
            child.process.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(STOP_SECONDS)

    def stop_all(self) -> None:
        """Stop everything, newest first: API, workers, then the server."""
        for role in reversed(list(self.children)):
            self.stop_role(role)

    def processes(self) -> dict[str, list[Child]]:
        """Every running process by role."""
        return {role: list(children) for role, children in self.children.items() if children}

    def check_alive(self) -> None:
        """Fail with the log of any process that died."""
        for children in self.children.values():
            for child in children:
                if not child.alive():
                    raise StartupFailed(f"{child.name} stopped; its log says:\n{child.tail()}")
