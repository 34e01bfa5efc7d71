"""Orchestration under kill -9, SIGTERM mid-activity and provider outages past their retry bound.

One ``pizzeria up`` serves every drill of this module, in order; each drill
checks its own orders' ends and then the whole database with ``pizzeria audit``.
"""

import asyncio
import signal
from collections.abc import Iterator

import httpx
import pytest

from tests.chaos.drill import Drill
from tests.chaos.fixtures import assert_audit_clean, running
from tests.chaos.shopper import ADMIN
from tests.chaos.stack import UpStack

ORDERS = 20
# Longer than the saga's retry bound for a step (workflows/policies.py STEP_RETRY: 5
# attempts, 1+2+4+8 s) and for a notification (NOTIFICATION_RETRY: 2+4+8+16 s).
PAYMENTS_DOWN_SECONDS = 25.0
SMS_DOWN_SECONDS = 40.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpStack]:
    yield from running(tmp_path_factory.mktemp("orchestration"), "orchestration")


async def test_kill_9_of_worker_temporal_and_api_loses_and_repeats_nothing(stack) -> None:
    async def kill_each(drill: Drill) -> None:
        await asyncio.sleep(1.5)
        for name in ("worker", "Temporal", "API"):
            await drill.kill(name)

    figures = await Drill(stack, "orchestration: kill -9", ORDERS).run(kill_each)
    figures.show()

    assert figures.lost == 0

    assert figures.ends == {"DELIVERED": ORDERS + 3}
    assert figures.duplicated == 0
    assert "worker stopped unexpectedly (killed by SIGKILL); restarting" in stack.log()
    assert_audit_clean(stack)


async def test_sigterm_of_the_worker_mid_charge_lets_the_charges_finish(stack) -> None:
    async def sigterm_mid_charge(drill: Drill) -> None:
        await fault(stack, "payments", {"mode": "slow", "delay_seconds": 3.0, "remaining": 4})
        await asyncio.sleep(1.0)  # the first orders' charges are now inside the slow provider
        await drill.kill("worker", signal.SIGTERM)

    figures = await Drill(stack, "orchestration: SIGTERM worker mid-activity", 4).run(
        sigterm_mid_charge
    )
    figures.show()

    assert figures.lost == 0

    assert figures.ends == {"DELIVERED": 4 + 1}
    assert_audit_clean(stack)


async def test_payments_down_past_the_retry_bound_rejects_and_undoes_in_full(stack) -> None:
    async def payments_outage(drill: Drill) -> None:
        await fault(stack, "payments", {"mode": "down"})
        await asyncio.sleep(PAYMENTS_DOWN_SECONDS)
        await clear(stack, "payments")

    figures = await Drill(
        stack, "orchestration: payments down 25 s", 6, ("REJECTED", "DELIVERED")
    ).run(payments_outage)
    figures.show()

    assert figures.lost == 0

    assert figures.ends.get("REJECTED", 0) >= 1  # the outage outlasted the retries
    assert_audit_clean(stack)


async def test_sms_down_past_the_retry_bound_still_delivers_every_order(stack) -> None:
    async def sms_outage(drill: Drill) -> None:
        await fault(stack, "sms", {"mode": "down"})
        await asyncio.sleep(SMS_DOWN_SECONDS)
        await clear(stack, "sms")

    figures = await Drill(stack, "orchestration: SMS down 40 s", 6).run(sms_outage)
    figures.show()

    assert figures.lost == 0

    assert figures.ends == {"DELIVERED": 6}
    assert_audit_clean(stack)


async def fault(stack: UpStack, provider: str, body: dict[str, object]) -> None:
    async with httpx.AsyncClient(base_url=stack.url) as http:
        answer = await http.put(f"/admin/faults/{provider}", json=body, headers=ADMIN)
    assert answer.status_code == 200, answer.text


async def clear(stack: UpStack, provider: str) -> None:
    async with httpx.AsyncClient(base_url=stack.url) as http:
        answer = await http.delete(f"/admin/faults/{provider}", headers=ADMIN)
    assert answer.status_code == 204, answer.text
