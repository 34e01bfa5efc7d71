"""A stand-in for ``pizzeria up``: ``serve_children`` supervising small shell children.

``python -m tests.integration.dummy_stack sleepers LOGS`` runs three children that
sleep; ``crasher`` runs one that prints a line and exits 3 each time. Once
started it prints ``ready`` and the children's pids, one line.
"""

import sys
from pathlib import Path

from rich.console import Console

from cli.processes import Child, serve_children
from cli.restarts import RestartPolicy
from cli.signals import StopRequest

COMMANDS = {
    "sleepers": [["sleep", "600"]] * 3,
    "crasher": [["sh", "-c", "echo 'boom: the dummy crashed'; exit 3"]],
}


def main(kind: str, logs: Path) -> int:
    """Serve the children of ``kind`` until a signal (or too many crashes); the exit code."""
    children_ref: list[Child] = []

    async def start(children: list[Child], _stopping: StopRequest) -> None:
        for number, argv in enumerate(COMMANDS[kind]):
            children.append(Child.start(f"child-{number}", argv, {}, logs / f"{number}.log"))
        children_ref[:] = children

    def announce(_seconds: float) -> None:
        print("ready", *(child.pid for child in children_ref), flush=True)

    policy = RestartPolicy(limit=5, window=60.0, first_delay=0.5, max_delay=1.0)
    return serve_children(start, announce, "dummies", Console(), policy)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
