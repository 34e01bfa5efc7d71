"""Open-loop load: orders arrive as a Poisson process, whether or not earlier ones finished.

A closed loop (N orders in flight, the next placed when one ends) slows its own
arrivals down as the system slows, so past saturation it measures queueing in
the load generator. Users do not wait for each other: here order ``i`` is placed
at the ``i``-th arrival of a Poisson process of ``rate`` per second (exponential
gaps, a fixed seed so runs compare), on a schedule that never drifts.
"""

import asyncio
import random
from collections.abc import Callable, Coroutine
from typing import Any

SEED = 11


async def poisson_arrivals(
    place: Callable[[int], Coroutine[Any, Any, None]], orders: int, rate: float, seed: int = SEED
) -> None:
    """Start ``place(i)`` for i in 0..orders-1 at Poisson arrival times; wait for all."""
    if rate <= 0:
        raise ValueError(f"an arrival rate must be positive, got {rate}")
    gaps = random.Random(seed)
    loop = asyncio.get_running_loop()
    due = loop.time()
    started: list[asyncio.Task[None]] = []
    for index in range(orders):
        if index:
            due += gaps.expovariate(rate)
            await asyncio.sleep(max(0.0, due - loop.time()))
        started.append(asyncio.create_task(place(index)))
    await asyncio.gather(*started)
