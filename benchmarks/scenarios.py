"""Which runs make up each scenario: mode, orders, concurrency, worker processes, faults."""

from dataclasses import dataclass

from benchmarks.load import OrderDriver, api_order, baseline_order, saga_order_until_closed

SCENARIOS = ("saga", "baseline", "choreography", "scaling", "compensation")
SCALING_CONCURRENCY = (1, 10, 50, 200)
SCALING_WORKERS = 2


@dataclass(frozen=True)
class RunPlan:
    """One measured run."""

    name: str
    mode: str
    driver: OrderDriver
    orders: int
    concurrency: int
    workers: int = 1
    payment_declines: bool = False
    history: bool = True


@dataclass(frozen=True)
class BenchOptions:
    """What the user asked for on the command line."""

    orders: int
    concurrency: int
    workers: int
    scenarios: tuple[str, ...]


def saga(options: BenchOptions) -> list[RunPlan]:
    """The full saga through the HTTP API."""
    return [
        RunPlan(
            "saga",
            "orchestration",
            saga_order_until_closed,
            options.orders,
            options.concurrency,
            options.workers,
        )
    ]


def baseline(options: BenchOptions) -> list[RunPlan]:
    """The bare workflow with the same steps, started with the Temporal client."""
    return [RunPlan("baseline", "baseline", baseline_order, options.orders, options.concurrency, 1)]


def choreography(options: BenchOptions) -> list[RunPlan]:
    """The same orders through the API in choreography mode (events on NATS)."""
    return [
        RunPlan(
            "choreography",
            "choreography",
            api_order,
            options.orders,
            options.concurrency,
            workers=1,  # one relay and one consumers process
            history=False,
        )
    ]


def scaling(options: BenchOptions) -> list[RunPlan]:
    """The saga at 1, 10, 50 and 200 orders in flight on one worker, then 50 and 200 on two.

    A run never has more orders in flight than it places: with ``--orders 3`` every run
    keeps at most three in flight (and says so in its row).
    """
    plans: dict[tuple[int, int], RunPlan] = {}
    for workers in (1, SCALING_WORKERS):
        for wanted in SCALING_CONCURRENCY if workers == 1 else SCALING_CONCURRENCY[2:]:
            # One order at a time is slow by design: a quarter of the orders say enough.
            orders = max(3, options.orders // 4) if wanted == 1 else options.orders
            concurrency = min(wanted, orders)
            name = f"scaling w{workers} c{concurrency}"
            plans[workers, concurrency] = RunPlan(
                name, "orchestration", saga_order_until_closed, orders, concurrency, workers,
                history=False,
            )  # fmt: skip
    return list(plans.values())


def compensation(options: BenchOptions) -> list[RunPlan]:
    """Every payment declined: reserve, decline, reject, release stock, tell the customer."""
    return [
        RunPlan(
            "compensation",
            "orchestration",
            saga_order_until_closed,
            options.orders,
            options.concurrency,
            options.workers,
            payment_declines=True,
        )
    ]


BUILDERS = {
    "saga": saga,
    "baseline": baseline,
    "choreography": choreography,
    "scaling": scaling,
    "compensation": compensation,
}


def plan_runs(options: BenchOptions) -> list[RunPlan]:
    """Every run of the chosen scenarios, in the order the scenarios were given."""
    return [plan for name in options.scenarios for plan in BUILDERS[name](options)]
