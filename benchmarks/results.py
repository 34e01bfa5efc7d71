"""What one scenario measured, and the arithmetic that turns timings into it."""

import math
from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from benchmarks.profiling import ProcessProfile

MB = 1024 * 1024


class History(BaseModel):
    """Workflow history of a sample of orders, per order (means over the sample)."""

    model_config = ConfigDict(frozen=True)

    sampled: int = 0
    events: float = 0.0
    activities: float = 0.0
    local_activities: float = 0.0
    updates: float = 0.0
    signals: float = 0.0
    workflow_tasks: float = 0.0


class ScenarioResult(BaseModel):
    """One scenario run: throughput, latency, cost per order, memory and history size."""

    model_config = ConfigDict(frozen=True)

    name: str
    mode: str
    workers: int
    concurrency: int
    rate: float | None = None
    """Open loop: the offered arrival rate (orders/s); closed loop: None."""
    orders: int
    errors: int
    outcomes: dict[str, int]
    seconds: float
    orders_per_second: float
    end_to_end_ms: dict[str, float]
    place_ms: dict[str, float]
    cpu_ms_per_order: dict[str, float]
    peak_rss_mb: dict[str, float]
    status_polls_per_order: float = 0.0
    history: History = Field(default_factory=History)
    error_samples: list[str] = Field(default_factory=list)
    profile: dict[str, ProcessProfile] = Field(default_factory=dict)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def latency_ms(seconds: Sequence[float], shares: Sequence[int]) -> dict[str, float]:
    """``{"p50": ..., ...}`` in milliseconds for each percentile in ``shares``."""
    return {f"p{share}": round(percentile(seconds, share / 100) * 1000, 1) for share in shares}


def per_order_ms(cpu_seconds: dict[str, float], orders: int) -> dict[str, float]:
    """CPU milliseconds per completed order, by role."""
    return {role: round(s * 1000 / max(orders, 1), 2) for role, s in cpu_seconds.items()}


def in_mb(rss: dict[str, int]) -> dict[str, float]:
    """Bytes to MiB, by role."""
    return {role: round(value / MB, 1) for role, value in rss.items()}


def count_outcomes(statuses: Sequence[str]) -> dict[str, int]:
    """How many orders ended in each status."""
    return dict(sorted(Counter(statuses).items()))
