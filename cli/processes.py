"""Child processes for ``pizzeria up``: start with logs in files, stop politely, never orphan.

Children run in their own session so a Ctrl-C reaches only ``pizzeria up``,
which then stops them in reverse order. On Linux each child also asks the
kernel to kill it if ``pizzeria up`` itself dies without cleaning up.
"""

import asyncio
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

PR_SET_PDEATHSIG = 1
STOP_TIMEOUT_SECONDS = 15.0


class StartupFailed(Exception):
    """A piece of the stack could not start; the message says what to do."""


def ensure_free(port: int, host: str, what: str, option: str) -> None:
    """Fail with a clear message when something already listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise StartupFailed(
                f"port {port} ({what}) is already in use on {host}; stop whatever holds it "
                f"or choose another with {option}"
            ) from None


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    """One started process and where its output goes."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, name: str, argv: Sequence[str], env: dict[str, str], log: Path) -> "Child":
        """Start ``argv`` with stdout and stderr appended to ``log``."""
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            process = subprocess.Popen(
                list(argv),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        return cls(name=name, process=process, log=log)

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGTERM, wait, then SIGKILL the child's whole process group if it lingers."""
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._kill_group_leftovers()

    def _kill_group_leftovers(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            return

    def tail(self, lines: int = 20) -> str:
        """The last lines of the child's log, for error messages."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def supervise(children: list[Child], stopping: threading.Event) -> None:
    """Wait for Ctrl-C or SIGTERM; if a child dies on its own, stop the rest and say why."""
    while not stopping.wait(0.5):
        for child in children:
            if not child.alive():
                code = child.process.returncode
                raise StartupFailed(
                    f"{child.name} stopped unexpectedly (exit code {code}); log:\n{child.tail()}"
                )


StartChildren = Callable[[list[Child], threading.Event], Coroutine[Any, Any, None]]


def serve_children(
    start: StartChildren, announce: Callable[[float], None], names: str, console: Console
) -> int:
    """Start the children, announce them, serve until Ctrl-C or SIGTERM (or a child dies),
    then stop every child in reverse order; the exit code."""
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    children: list[Child] = []
    try:
        started = time.monotonic()
        asyncio.run(start(children, stopping))
        announce(time.monotonic() - started)
        supervise(children, stopping)
    except StartupFailed as failure:
        console.print(f"[bold red]pizzeria up:[/] {failure}", soft_wrap=True)
        return 1
    finally:
        for child in reversed(children):
            child.stop()
    console.print(f"stopped {names}")
    return 0
