"""CPU seconds and peak memory of each process of the stack, read with psutil.

``ResourceProbe`` takes CPU times (user + system)
at the start and the end of a scenario and samples resident memory meanwhile;
the load generator is this process itself.
"""

import asyncio
import contextlib
import os
from collections.abc import Mapping, Sequence

import psutil  # type: ignore[import-untyped]  # no stubs pinned

SAMPLE_SECONDS = 0.25
LOAD_GENERATOR = "load generator"
WHOLE_TREE = frozenset({"database"})
"""Roles whose CPU includes their children's."""


# Each piece of the stack is one process (the dev server is a single Go binary, uvicorn
# runs in-process), so children are left out: the load generator's children are the stack.
def _cpu_seconds(process: psutil.Process) -> float:
    with contextlib.suppress(psutil.NoSuchProcess):
        times = process.cpu_times()
        return float(times.user + times.system)
    return 0.0


def _tree_cpu_seconds(process: psutil.Process) -> float:
    """A server that forks per connection (PostgreSQL): itself, its children, the reaped ones."""
    with contextlib.suppress(psutil.NoSuchProcess):
        times = process.cpu_times()
        reaped = float(times.children_user + times.children_system)
        return _cpu_seconds(process) + reaped + sum(map(_cpu_seconds, process.children(True)))
    return 0.0


def _rss(process: psutil.Process) -> int:
    return int(process.memory_info().rss)


class ResourceProbe:
    """CPU seconds and peak RSS per role over one scenario; roles map to process ids."""

    def __init__(self, pids_by_role: Mapping[str, Sequence[int]]) -> None:
        roles = dict(pids_by_role) | {LOAD_GENERATOR: [os.getpid()]}
        self._processes = {
            role: [psutil.Process(pid) for pid in pids] for role, pids in roles.items()
        }
        self._cpu_start: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self.peak_rss: dict[str, int] = dict.fromkeys(self._processes, 0)
        self._sampler: asyncio.Task[None] | None = None

    def _cpu_now(self) -> dict[str, float]:
        return {
            role: sum(map(_tree_cpu_seconds if role in WHOLE_TREE else _cpu_seconds, ps))
            for role, ps in self._processes.items()
        }

    def _sample_rss(self) -> None:
        for role, processes in self._processes.items():
            with contextlib.suppress(psutil.NoSuchProcess):
                # Several processes of one role run side by side: their memory adds up.
                now = sum(_rss(p) for p in processes)
                self.peak_rss[role] = max(self.peak_rss[role], now)

    async def _sample_forever(self) -> None:
        while True:
            self._sample_rss()
            await asyncio.sleep(SAMPLE_SECONDS)

    async def __aenter__(self) -> "ResourceProbe":
        self._cpu_start = self._cpu_now()
        self._sampler = asyncio.create_task(self._sample_forever())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
        self._sample_rss()
        end = self._cpu_now()
        self.cpu_seconds = {role: end[role] - self._cpu_start[role] for role in end}
