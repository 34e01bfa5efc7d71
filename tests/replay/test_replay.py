"""Recorded histories replay on today's code: a non-deterministic change fails here first."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from infra.temporal import DATA_CONVERTER
from workflows.order import OrderWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))
TEXTS = {path.stem: path.read_text() for path in HISTORIES}


def test_there_are_histories_of_delivered_and_compensated_orders() -> None:
    assert {"delivered", "cancelled", "payment_declined"} <= set(TEXTS)
    # Recorded after the notify-in-background patch: both branches stay covered.
    assert {"cancelled-v2", "payment_declined-v2"} <= set(TEXTS)
    # Recorded after the operator-cancel, early-event and waits-for-a-person patches.
    assert {"operator_cancelled-v3", "early_ready-v3", "refund_stuck-v3"} <= set(TEXTS)


@pytest.mark.parametrize("name", sorted(TEXTS))
async def test_recorded_history_replays_deterministically(name: str) -> None:
    history = WorkflowHistory.from_json(f"order-{name}", TEXTS[name])
    replayer = Replayer(workflows=[OrderWorkflow], data_converter=DATA_CONVERTER)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
