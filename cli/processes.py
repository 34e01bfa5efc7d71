"""Child processes for ``pizzeria up``: start with logs in files, stop politely, never orphan.

Children run in their own session so a Ctrl-C reaches only ``pizzeria up``,
which then stops them in reverse order (a second Ctrl-C kills what lingers).
A child that crashes is restarted in place (``cli.restarts``). On Linux each
child also asks the kernel to kill it if ``pizzeria up`` itself dies without
cleaning up.
"""

import asyncio
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from cli.restarts import RestartPolicy, describe_exit
from cli.signals import StopRequest

PR_SET_PDEATHSIG = 1
STOP_TIMEOUT_SECONDS = 15.0
POLL_SECONDS = 0.25


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
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

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
        return cls(name=name, process=process, log=log, argv=list(argv), env=env)

    def restart(self) -> "Child":
        """The same command started again, its output appended to the same log."""
        return Child.start(self.name, self.argv, self.env, self.log)

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process.poll() is None

    def stop(
        self, timeout: float = STOP_TIMEOUT_SECONDS, hurry: Callable[[], bool] = lambda: False
    ) -> None:
        """SIGTERM, wait (until ``timeout`` or ``hurry()``), then SIGKILL its whole group."""
        if self.alive():
            self.process.terminate()
            deadline = time.monotonic() + timeout
            while self.alive() and time.monotonic() < deadline and not hurry():
                time.sleep(0.05)
            if self.alive():
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


def supervise(
    children: list[Child], stopping: StopRequest, console: Console, policy: RestartPolicy
) -> None:
    """Serve until Ctrl-C or SIGTERM, restarting a crashed child in place after its backoff;
    a child that crashes too often stops the stack with its log."""
    due: dict[int, float] = {}  # index of a crashed child -> when to start it again
    while not stopping.wait(POLL_SECONDS):
        now = time.monotonic()
        for index, child in enumerate(children):
            if index in due:
                if now < due[index]:
                    continue
                del due[index]
                children[index] = child.restart()
                console.print(
                    f"[green]{child.name} restarted[/] (pid {children[index].pid})", soft_wrap=True
                )
            elif not child.alive():
                due[index] = now + _backoff(child, policy, now, console)


def _backoff(child: Child, policy: RestartPolicy, now: float, console: Console) -> float:
    how = describe_exit(child.process.returncode)
    delay = policy.crashed(child.name, now)
    if delay is None:
        raise StartupFailed(
            f"{child.name} crashed {policy.limit} times within {policy.window:g}s "
            f"(last: {how}); stopping the stack. Its log ends:\n{child.tail()}"
        )
    console.print(
        f"[yellow]{child.name} stopped unexpectedly ({how}); restarting in {delay:g}s[/] "
        f"(crash {policy.recent(child.name)} of at most {policy.limit - 1} "
        f"within {policy.window:g}s; log {child.log})",
        soft_wrap=True,
    )
    return delay


StartChildren = Callable[[list[Child], StopRequest], Coroutine[Any, Any, None]]


def serve_children(
    start: StartChildren,
    announce: Callable[[float], None],
    names: str,
    console: Console,
    policy: RestartPolicy | None = None,
) -> int:
    """Start the children, announce them, serve until Ctrl-C or SIGTERM (restarting crashed
    children), then stop every child in reverse order; the exit code."""
    stopping = StopRequest()
    stopping.install()
    children: list[Child] = []
    try:
        started = time.monotonic()
        asyncio.run(start(children, stopping))
        announce(time.monotonic() - started)
        supervise(children, stopping, console, policy or RestartPolicy())
    except StartupFailed as failure:
        console.print(f"[bold red]pizzeria up:[/] {failure}", soft_wrap=True)
        return 1
    finally:
        for child in reversed(children):
            child.stop(hurry=stopping.urgent)
        stopping.close()
    console.print(f"stopped {names}")
    return 0
