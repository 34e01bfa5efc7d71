"""``pizzeria bench`` in miniature: a few orders per scenario, so the benchmark cannot rot.

Nothing here is timed: the test checks that every scenario, closed and open
loop, on SQLite and on an embedded PostgreSQL the bench starts itself, ran
every order to the end it should reach and that the results file has the
documented shape.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ORDERS = 3
OPEN_LOOP_RATE = 2.0
SCENARIOS = "saga,baseline,choreography,compensation,scaling"
RUN_SECONDS = 300
ROLES = {"server", "worker", "baseline worker", "api", "load generator"}
BUS_ROLES = {"server", "relay", "consumers", "api", "load generator"}


def run_bench(output: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """The real command line, on its own private stack."""
    argv = [
        *(sys.executable, "-m", "cli", "bench"),
        *("--orders", str(ORDERS), "--concurrency", str(ORDERS)),
        *("--output", str(output)),
        *options,
    ]
    return subprocess.run(
        argv, cwd=REPO, capture_output=True, text=True, timeout=RUN_SECONDS, check=False
    )


def ended_where_they_should(runs: dict[str, dict[str, Any]], extra_roles: set[str]) -> None:
    """No errors, every order DELIVERED (REJECTED when payments decline), every role measured."""
    for name, run in runs.items():
        assert run["errors"] == 0, (name, run["error_samples"])
        wanted = "REJECTED" if name == "compensation" else "DELIVERED"
        assert run["outcomes"] == {wanted: run["orders"]}, name
        roles = BUS_ROLES if run["mode"] == "choreography" else ROLES
        assert set(run["cpu_ms_per_order"]) >= roles | extra_roles, name
        assert run["end_to_end_ms"]["p50"] <= run["end_to_end_ms"]["p99"]


def test_bench_runs_every_scenario_and_writes_its_results(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    finished = run_bench(output, "--scenarios", SCENARIOS, "--rate", str(OPEN_LOOP_RATE))
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert "throughput and latency" in finished.stdout

    results = json.loads(output.read_text())
    runs = {run["name"]: run for run in results["scenarios"]}
    expected = {
        "saga",
        "baseline",
        "choreography",
        "compensation",
        "scaling w1 c1",
        "scaling w2 c3",
        "saga open",
        "baseline open",
        "choreography open",
    }
    assert expected <= set(runs)
    assert results["saga_over_baseline_throughput"] > 0
    assert results["machine"]["cpus"] >= 1
    assert runs["saga open"]["rate"] == OPEN_LOOP_RATE
    ended_where_they_should(runs, set())

    saga, baseline = runs["saga"]["history"], runs["baseline"]["history"]
    assert saga["sampled"] == ORDERS
    # The baseline is only a fair yardstick while it does what the saga does.
    for count in ("activities", "updates"):
        assert baseline[count] == saga[count], count
    assert runs["compensation"]["history"]["activities"] >= 1


def test_bench_starts_its_own_postgresql_when_given_no_url(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    finished = run_bench(output, "--scenarios", "saga,compensation", "--database", "postgres")
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]

    results = json.loads(output.read_text())
    runs = {run["name"]: run for run in results["scenarios"]}
    assert set(runs) == {"saga", "compensation"}
    assert results["options"]["database"] == "postgres"
    ended_where_they_should(runs, {"database"})
