"""The bench's own tools: open-loop arrivals, half-capacity rates, py-spy summaries."""

import asyncio

import pytest

from benchmarks.arrivals import poisson_arrivals
from benchmarks.load import saga_order_until_closed
from benchmarks.profiling import package_of, summarize
from benchmarks.results import ScenarioResult
from benchmarks.runner import at_half_capacity
from benchmarks.scenarios import BenchOptions, RunPlan, plan_runs

SITE = "/venv/lib/python3.11/site-packages"
IMPORTER = f"{SITE}/temporalio/worker/workflow_sandbox/_importer.py"


async def test_an_open_loop_places_orders_without_waiting_for_earlier_ones() -> None:
    release, all_placed = asyncio.Event(), asyncio.Event()
    placed: list[int] = []

    async def place(index: int) -> None:
        placed.append(index)
        if len(placed) == 5:
            all_placed.set()
        await release.wait()  # no order finishes until every order was placed

    arrivals = asyncio.create_task(poisson_arrivals(place, 5, rate=1000.0))
    await asyncio.wait_for(all_placed.wait(), 30)
    assert not arrivals.done()
    release.set()
    await arrivals
    assert placed == [0, 1, 2, 3, 4]


async def test_an_arrival_rate_must_be_positive() -> None:
    async def place(index: int) -> None: ...

    with pytest.raises(ValueError, match="positive"):
        await poisson_arrivals(place, 1, rate=0.0)


def test_rate_half_adds_an_open_run_that_offers_half_the_closed_runs_throughput() -> None:
    options = BenchOptions(10, 5, 1, ("saga", "compensation"), rate_half=True)
    plans = plan_runs(options)
    assert [p.name for p in plans] == ["saga", "saga open", "compensation"]
    measured = ScenarioResult(
        name="saga", mode="orchestration", workers=1, concurrency=5, orders=10, errors=0,
        outcomes={}, seconds=1.0, orders_per_second=3.0, end_to_end_ms={}, place_ms={},
        cpu_ms_per_order={}, peak_rss_mb={},
    )  # fmt: skip

    assert at_half_capacity(plans[1], [measured]).rate == 1.5
    closed = RunPlan("saga", "orchestration", saga_order_until_closed, 10, 5)
    assert at_half_capacity(closed, [measured]) is closed


def test_samples_are_charged_to_the_package_of_their_innermost_frame() -> None:
    raw = [
        f"run (/app/worker.py:3);execute ({SITE}/sqlalchemy/engine/base.py:9) 6",
        f"run (/app/worker.py:3);_import ({IMPORTER}:40) 3",
        "run (/app/worker.py:3);select (/usr/lib/python3.11/selectors.py:468) 1",
    ]
    profile = summarize(iter(raw))

    assert profile.samples == 10
    assert profile.packages == {"sqlalchemy": 0.6, "temporalio": 0.3, "python:selectors": 0.1}
    assert profile.sandbox_import_share == 0.3
    assert package_of("/work/repo/services/orders.py") == "services"
