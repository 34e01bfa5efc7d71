"""When ``pizzeria up`` restarts a crashed child, and when it gives up on one.

Bounded exponential backoff per child: the first restart after half a second,
each further one twice as late, at most ``max_delay``. A child that crashes
``limit`` times within ``window`` seconds is not restarted again: it would only
keep crashing, so the stack stops and shows its log.
"""

import signal
from collections import defaultdict, deque
from dataclasses import dataclass, field


@dataclass
class RestartPolicy:
    """Crash bookkeeping for every child of one stack, by child name."""

    limit: int = 5
    window: float = 60.0
    first_delay: float = 0.5
    max_delay: float = 8.0
    _crashes: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def crashed(self, name: str, now: float) -> float | None:
        """Record a crash at ``now``; seconds to wait before the restart, None to give up."""
        recent = self._crashes[name]
        recent.append(now)
        while recent and recent[0] < now - self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            return None
        delay: float = self.first_delay * 2.0 ** (len(recent) - 1)
        return min(delay, self.max_delay)

    def recent(self, name: str) -> int:
        """Crashes of ``name`` within the window."""
        return len(self._crashes[name])


def describe_exit(code: int | None) -> str:
    """``exit code 3`` or ``killed by SIGKILL``."""
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
