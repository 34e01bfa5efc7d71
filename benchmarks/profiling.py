"""``pizzeria bench --profile``: where each Python process's CPU goes, sampled with py-spy.

For every measured run, py-spy (a sampling profiler: the processes run at
full speed, unlike under ``--diagnostics``' cProfile) attaches to each Python
process of the stack and records the stacks of the thread holding the GIL. Each sample is charged to
the package of its innermost frame (``sqlalchemy``, ``temporalio``,
``asyncio``, our own ``services`` ...); samples inside the workflow sandbox's
importer are counted apart, since that is the cost of re-importing modules
into each new workflow. Native threads (Temporal's Rust core, the Go server)
are not Python and show up only as the gap between psutil's CPU and py-spy's.
"""

import contextlib
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

RATE = 100
"""Samples per second and process."""
TOP = 8
PYTHON_ROLES = frozenset(
    {"worker", "baseline worker", "api", "relay", "consumers", "load generator"}
)
SANDBOX_IMPORT = "temporalio/worker/workflow_sandbox/_importer.py"
FRAME = re.compile(r"^(?P<name>.*) \((?P<path>.*):\d+\)$")


class ProcessProfile(BaseModel):
    """One role's sampled Python CPU: samples, top packages (share of samples), sandbox import.

    Shares, not seconds: under load py-spy's GIL check is racy and a sample can be
    charged to two threads, so the sample count over-states CPU (psutil's is the
    number to read); what the samples say reliably is the split.
    """

    model_config = ConfigDict(frozen=True)

    samples: int
    packages: dict[str, float]
    sandbox_import_share: float


def package_of(path: str) -> str:
    """The package a source file belongs to: site-packages' top level, stdlib module, or ours."""
    parts = Path(path).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    for index, part in enumerate(parts):
        if re.fullmatch(r"python3\.\d+", part) and index + 1 < len(parts):
            return "python:" + parts[index + 1].removesuffix(".py")
    return parts[-2] if len(parts) > 1 else path


def summarize(raw: Iterator[str]) -> ProcessProfile:
    """Fold py-spy's raw (collapsed-stack) lines into a ``ProcessProfile``."""
    by_package: Counter[str] = Counter()
    total = importing = 0
    for line in raw:
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [FRAME.match(frame) for frame in stack.split(";")]
        leaf = next((f for f in reversed(frames) if f is not None), None)
        by_package[package_of(leaf["path"]) if leaf else "?"] += int(count)
        total += int(count)
        if any(f is not None and f["path"].endswith(SANDBOX_IMPORT) for f in frames):
            importing += int(count)
    shares = {name: round(n / total, 3) for name, n in by_package.most_common(TOP)} if total else {}
    return ProcessProfile(
        samples=total,
        packages=shares,
        sandbox_import_share=round(importing / total, 3) if total else 0.0,
    )


def py_spy() -> str:
    """The py-spy executable: beside this Python (a venv's bin/), else on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("--profile needs py-spy: pip install -e '.[dev]'")
    return found


class Profiler:
    """py-spy on every Python process of one run; ``stop`` returns a profile per role."""

    def __init__(self, out_dir: Path, run: str, pids: Mapping[str, Sequence[int]]) -> None:
        exe = py_spy()
        self._files: dict[str, list[Path]] = {}
        self._spies: list[subprocess.Popen[bytes]] = []
        slug = re.sub(r"\W+", "-", run)
        for role, role_pids in pids.items():
            if role not in PYTHON_ROLES:
                continue
            for pid in role_pids:
                output = out_dir / f"{slug}-{role.replace(' ', '-')}-{pid}.raw"
                self._files.setdefault(role, []).append(output)
                argv = [exe, "record", "--pid", str(pid), "--rate", str(RATE)]
                argv += ["--format", "raw", "--nonblocking", "--output", str(output)]
                self._spies.append(
                    subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                )

    def stop(self) -> dict[str, ProcessProfile]:
        """Stop every py-spy (each writes its file on SIGINT) and fold the files."""
        for spy in self._spies:
            spy.send_signal(signal.SIGINT)
        for spy in self._spies:
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(30)
            if spy.poll() is None:
                spy.kill()
        return {role: _fold(files) for role, files in self._files.items()}


def _spy(exe: str, pid: int, output: Path) -> subprocess.Popen[bytes]:
    # --gil: only samples holding the GIL, i.e. running Python, not waiting in epoll.
    argv = [exe, "record", "--pid", str(pid), "--rate", str(RATE), "--nonblocking", "--gil"]
    argv += ["--full-filenames", "--format", "raw", "--output", str(output)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _fold(files: list[Path]) -> ProcessProfile:
    lines = [line for f in files if f.exists() for line in f.read_text().splitlines()]
    return summarize(iter(lines))
