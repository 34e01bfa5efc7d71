"""Each chaos module runs one ``pizzeria up`` for all its drills (starting one is the cost)."""

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


def assert_audit_clean(stack: UpStack) -> None:
    """``pizzeria audit`` on the stack's database finds nothing."""
    result = stack.audit()
    assert result.returncode == 0, result.stdout + result.stderr
