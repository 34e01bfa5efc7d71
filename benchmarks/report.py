"""The results as a rich table and as a JSON file."""

import datetime as dt
import json
import os
import platform
import re
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs pinned
from rich.table import Table

from benchmarks.results import ScenarioResult

RESULTS_DIR = Path("bench/results")
ROLES = ("server", "worker", "api", "load generator")


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "host": socket.gethostname(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
    }


def default_output(now: dt.datetime) -> Path:
    """``bench/results/<date>-<machine>.json``."""
    host = re.sub(r"[^A-Za-z0-9_.-]+", "-", socket.gethostname()) or "machine"
    return RESULTS_DIR / f"{now:%Y-%m-%d}-{host}.json"


def overhead(results: Sequence[ScenarioResult]) -> float | None:
    """Saga throughput over baseline throughput, when both ran."""
    by_name = {r.name: r for r in results}
    saga, bare = by_name.get("saga"), by_name.get("baseline")
    if saga is None or bare is None or not bare.orders_per_second:
        return None
    return round(saga.orders_per_second / bare.orders_per_second, 3)


def document(
    results: Sequence[ScenarioResult], options: dict[str, Any], now: dt.datetime
) -> dict[str, Any]:
    """Everything the JSON file holds."""
    return {
        "started_at": now.isoformat(timespec="seconds"),
        "machine": machine(),
        "options": options,
        "saga_over_baseline_throughput": overhead(results),
        "scenarios": [r.model_dump() for r in results],
    }


def write(path: Path, content: dict[str, Any]) -> None:
    """Write the JSON document, creating the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2) + "\n")


def _by_role(values: dict[str, float], role: str) -> str:
    value = values.get(role, 0.0)
    return f"{value:.1f}" if value else "-"


def _worker(result: ScenarioResult, values: dict[str, float]) -> float:
    # Each run shows the workers it used: the baseline has its own process, and in
    # choreography the relay and the consumers do the saga worker's job.
    if result.mode == "choreography":
        return values.get("consumers", 0.0) + values.get("relay", 0.0)
    return values.get("baseline worker" if result.mode == "baseline" else "worker", 0.0)


def in_flight(result: ScenarioResult) -> str:
    """Closed loop: the orders kept in flight; open loop: the offered rate."""
    return f"@{result.rate:g}/s" if result.rate is not None else str(result.concurrency)


def latency_table(results: Sequence[ScenarioResult]) -> Table:
    """Throughput and latency, one row per run."""
    ratio = overhead(results)
    caption = f"saga/baseline throughput = {ratio}" if ratio is not None else None
    out = Table(title="pizzeria bench: throughput and latency", caption=caption)
    for column in (
        "scenario",
        "workers",
        "in flight",
        "ok/err",
        "orders/s",
        "e2e p50",
        "e2e p95",
        "e2e p99",
        "POST p50",
        "POST p99",
        "polls/order",
        "events/order",
    ):
        out.add_column(column, justify="left" if column == "scenario" else "right")
    for r in results:
        e2e, place = r.end_to_end_ms, r.place_ms
        out.add_row(
            r.name,
            str(r.workers),
            in_flight(r),
            f"{r.orders - r.errors}/{r.errors}",
            f"{r.orders_per_second:.1f}",
            *(f"{e2e[p]:.0f}" for p in ("p50", "p95", "p99")),
            *(f"{place[p]:.1f}" for p in ("p50", "p99")),
            f"{r.status_polls_per_order:.1f}",
            f"{r.history.events:.0f}" if r.history.sampled else "-",
        )
    return out


def cost_table(results: Sequence[ScenarioResult]) -> Table:
    """CPU milliseconds per order and peak RSS (MiB) per process role, one row per run."""
    out = Table(title="pizzeria bench: CPU ms per order and peak RSS MiB, by process")
    roles = ROLES
    for column in ("scenario", *(f"CPU {r}" for r in roles), *(f"RSS {r}" for r in roles[:3])):
        out.add_column(column, justify="left" if column == "scenario" else "right")
    for r in results:
        cpu = dict(r.cpu_ms_per_order, worker=_worker(r, r.cpu_ms_per_order))
        rss = dict(r.peak_rss_mb, worker=_worker(r, r.peak_rss_mb))
        out.add_row(
            r.name,
            *(_by_role(cpu, role) for role in roles),
            *(_by_role(rss, role) for role in roles[:3]),
        )
    return out


def profile_table(results: Sequence[ScenarioResult]) -> Table:
    """``--profile``: per run and process, Python CPU and the packages it went to."""
    out = Table(title="pizzeria bench: where each process's Python CPU goes (py-spy)")
    for column in ("scenario", "process", "CPU ms/order", "samples", "sandbox import"):
        out.add_column(column, justify="left" if column in ("scenario", "process") else "right")
    out.add_column("top packages (share of Python samples)")
    for r in results:
        for role, p in r.profile.items():
            if not p.samples:
                continue  # a process this run did not use (the baseline worker in a saga run)
            top = ", ".join(f"{name} {share:.0%}" for name, share in p.packages.items())
            out.add_row(
                r.name, role, _by_role(r.cpu_ms_per_order, role),
                str(p.samples), f"{p.sandbox_import_share:.1%}", top,
            )  # fmt: skip
    return out


def markdown(results: Sequence[ScenarioResult]) -> str:
    """The latency and cost tables as one Markdown table (for docs/performance.md)."""
    head = (
        "| scenario | workers | in flight | ok/err | orders/s | e2e p50/p95/p99 ms "
        "| POST p50/p99 ms | events/order | CPU ms/order server/worker/api/load | "
        "peak RSS MiB server/worker/api |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in results:
        e2e, place = r.end_to_end_ms, r.place_ms
        cpu = dict(r.cpu_ms_per_order, worker=_worker(r, r.cpu_ms_per_order))
        rss = dict(r.peak_rss_mb, worker=_worker(r, r.peak_rss_mb))
        cells = [
            r.name, str(r.workers), in_flight(r), f"{r.orders - r.errors}/{r.errors}",
            f"{r.orders_per_second:.1f}", f"{e2e['p50']:.0f} / {e2e['p95']:.0f} / {e2e['p99']:.0f}",
            f"{place['p50']:.1f} / {place['p99']:.1f}",
            f"{r.history.events:.0f}" if r.history.sampled else "-",
            " / ".join(_by_role(cpu, role) for role in ROLES),
            " / ".join(_by_role(rss, role) for role in ROLES[:3]),
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
