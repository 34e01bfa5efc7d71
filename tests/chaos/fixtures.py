"""Starting a chaos stack for a whole module, and the audit every drill ends with."""

import time
from collections.abc import Iterator
from pathlib import Path

from tests.chaos.stack import UpStack


def running(tmp_path: Path, mode: str, database_url: str | None = None) -> Iterator[UpStack]:
    """A started stack; stopped (and, if it lingers, killed) afterwards."""
    stack = UpStack(tmp_path, mode, database_url)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


def assert_audit_clean(stack: UpStack, patience: float = 240.0) -> None:
    """``pizzeria audit`` on the stack's database comes out clean, once the undos still
    retrying after an outage (a refund, then a release) have run."""
    deadline = time.monotonic() + patience
    while (result := stack.audit()).returncode != 0:
        assert time.monotonic() < deadline, result.stdout + result.stderr
        time.sleep(3)
