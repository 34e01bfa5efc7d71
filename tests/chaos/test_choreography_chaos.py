"""Choreography under kill -9 of the relay, the consumers, nats-server and the API, in turn."""

import asyncio
from collections.abc import Iterator

import pytest

from tests.chaos.drill import Drill
from tests.chaos.fixtures import assert_audit_clean, running
from tests.chaos.stack import UpStack

ORDERS = 20


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpStack]:
    yield from running(tmp_path_factory.mktemp("choreography"), "choreography")


async def test_kill_9_of_relay_consumers_nats_and_api_loses_and_repeats_nothing(stack) -> None:
    victims = ("relay", "consumers", "NATS", "API")

    async def kill_each(drill: Drill) -> None:
        await asyncio.sleep(1.5)
        for name in victims:
            await drill.kill(name)

    figures = await Drill(stack, "choreography: kill -9", ORDERS).run(kill_each)
    figures.show()

    assert figures.lost == 0

    assert figures.ends == {"DELIVERED": ORDERS + len(victims)}
    assert figures.duplicated == 0
    assert "relay stopped unexpectedly (killed by SIGKILL); restarting" in stack.log()
    assert_audit_clean(stack)
