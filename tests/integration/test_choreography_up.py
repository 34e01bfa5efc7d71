"""``pizzeria up --mode choreography``'s pieces as real processes: NATS, relay, consumers, API."""

import asyncio
from pathlib import Path

import httpx
import pytest

from cli.choreo_up import ChoreographyPlan, start_choreography
from cli.processes import Child
from cli.stack import StackPlan
from tests.integration.choreo_fixtures import free_port
from tests.integration.conftest import auth, order_body


@pytest.fixture
async def children() -> list[Child]:
    started: list[Child] = []
    yield started
    for child in reversed(started):
        child.stop()


async def test_the_choreography_stack_starts_serves_an_order_and_stores_jetstream_in_the_data_dir(
    tmp_path: Path, children: list[Child]
) -> None:
    plan = ChoreographyPlan(StackPlan(tmp_path, api_port=free_port()), nats_port=free_port())

    await start_choreography(plan, children)

    assert [child.name for child in children] == ["NATS", "relay", "consumers", "API"]
    async with httpx.AsyncClient(base_url=plan.base.api_url) as http:
        ready = await http.get("/readyz")
        assert ready.json()["checks"] == {"nats": "ok", "database": "ok"}
        placed = await http.post("/orders", json=order_body(), headers=auth("customer"))
        order_id = placed.json()["order_id"]
        async with asyncio.timeout(60):
            while True:
                order = (await http.get(f"/orders/{order_id}", headers=auth("admin"))).json()
                if order["status"] == "CONFIRMED":
                    break
                await asyncio.sleep(0.05)
    assert (tmp_path / "nats" / "jetstream").is_dir()
