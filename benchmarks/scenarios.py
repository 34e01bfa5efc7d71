"""Which runs make up each scenario: mode, orders, concurrency, worker processes, faults."""

from dataclasses import dataclass, replace

from benchmarks.load import OrderDriver, api_order, baseline_order, saga_order_until_closed

SCENARIOS = ("saga", "baseline", "choreography", "scaling", "compensation")
SCALING_CONCURRENCY = (1, 10, 50, 200)
SCALING_WORKERS = 2
OPEN_LOOP_SCENARIOS = ("saga", "baseline", "choreography")


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
    rate: float | None = None
    """Open loop at this many orders/s (Poisson arrivals); None: ``concurrency`` in flight."""
    half_of: str | None = None
    """Open loop at half the orders/s that run measured (resolved when this one starts)."""


@dataclass(frozen=True)
class BenchOptions:
    """What the user asked for on the command line."""

    orders: int
    concurrency: int
    workers: int
    scenarios: tuple[str, ...]
    rate: float | None = None
    """With ``--rate``: an open-loop run beside each closed saga, baseline, choreography run."""
    rate_half: bool = False
    """``--rate half``: each open loop offers half its closed run's measured orders/s."""


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


def open_loop(plan: RunPlan, options: BenchOptions) -> RunPlan:
    """The same orders as ``plan``, arriving at the asked rate instead of N in flight."""
    name = f"{plan.name} open"
    if options.rate_half:
        return replace(plan, name=name, half_of=plan.name)
    return replace(plan, name=name, rate=options.rate)


def plan_runs(options: BenchOptions) -> list[RunPlan]:
    """Every run of the chosen scenarios, in the order the scenarios were given."""
    plans = []
    for name in options.scenarios:
        closed = BUILDERS[name](options)
        plans += closed
        if (options.rate is not None or options.rate_half) and name in OPEN_LOOP_SCENARIOS:
            plans += [open_loop(plan, options) for plan in closed]
    return plans
