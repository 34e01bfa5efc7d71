"""``pizzeria up``'s supervise loop, on dummy children: stops always finish, crashes restart."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from cli.processes import STOP_TIMEOUT_SECONDS

REPO = Path(__file__).resolve().parents[2]
STOPS = 25


def start(kind: str, logs: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """The dummy stack and its children's pids, once it said ready."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.dummy_stack", kind, str(logs)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("ready"), line
    return process, [int(pid) for pid in line.split()[1:]]


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    """Exit code and remaining output; kills and fails if it does not end within the stop bound."""
    try:
        output, _ = process.communicate(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"the stack did not stop within the stop timeout; it printed:\n{output}")
    return process.returncode, output


# A burst is make forwarding a SIGTERM while the terminal's Ctrl-C, repeated, arrives too:
# a handler running inside another handler's Event.set() was the old hang.
@pytest.mark.parametrize("burst", [(signal.SIGTERM,), (signal.SIGINT, signal.SIGTERM) * 25])
def test_every_stop_finishes_whenever_the_signals_land(burst, tmp_path: Path) -> None:
    for _ in range(STOPS):
        process, pids = start("sleepers", tmp_path)
        children = [psutil.Process(pid) for pid in pids]
        # Land the signal anywhere in the loop's half-second wait, the window of the old hang.
        time.sleep(random.uniform(0, 0.5))
        for sig in burst:
            process.send_signal(sig)
        code, output = finish(process)
        assert code == 0, output
        assert "stopped dummies" in output
        assert not any(child.is_running() for child in children)  # is_running survives pid reuse


def test_a_killed_child_is_restarted_in_place_and_the_rest_keep_running(tmp_path: Path) -> None:
    process, pids = start("sleepers", tmp_path)
    try:
        os.kill(pids[1], signal.SIGKILL)
        assert process.stdout is not None
        lines = [process.stdout.readline(), process.stdout.readline()]
        assert "child-1 stopped unexpectedly (killed by SIGKILL); restarting" in lines[0]
        assert "child-1 restarted" in lines[1]
        assert all(psutil.pid_exists(pid) for pid in (pids[0], pids[2]))
    finally:
        process.send_signal(signal.SIGTERM)
    code, output = finish(process)
    assert code == 0, output


def test_a_child_that_keeps_crashing_stops_the_stack_with_its_log(tmp_path: Path) -> None:
    process, _ = start("crasher", tmp_path)

    code, output = finish(process)

    assert code == 1
    assert "child-0 crashed 5 times within 60s (last: exit code 3)" in output
    assert "boom: the dummy crashed" in output
    assert output.count("restarted") == 4
