"""Recorded histories replay on today's code: a non-deterministic change fails here first.

The replayer decodes with the same codec the worker uses: histories recorded
before payload encryption hold clear payloads (passed through), the ``-enc``
ones are encrypted with the fixed test key, so both kinds stay under test.
"""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.support import encrypted_converter
from workflows.order import OrderWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))
TEXTS = {path.stem: path.read_text() for path in HISTORIES}
ENCRYPTED = b"binary/encrypted"


def _encodings(text: str) -> set[bytes]:
    history = WorkflowHistory.from_json("any", text)
    started = history.events[0].workflow_execution_started_event_attributes
    return {payload.metadata["encoding"] for payload in started.input.payloads}


def _raw(text: str) -> bytes:
    """The history as the server stores it: protobuf bytes, payload data unencoded."""
    events = WorkflowHistory.from_json("any", text).events
    return b"".join(event.SerializeToString() for event in events)


def test_there_are_histories_of_delivered_and_compensated_orders() -> None:
    assert {"delivered", "cancelled", "payment_declined"} <= set(TEXTS)
    # Recorded after the notify-in-background patch: both branches stay covered.
    assert {"cancelled-v2", "payment_declined-v2"} <= set(TEXTS)
    # Recorded after the operator-cancel, early-event and waits-for-a-person patches.
    assert {"operator_cancelled-v4-enc", "early_ready-v4-enc", "refund_stuck-v4-enc"} <= set(TEXTS)


def test_histories_of_the_lean_shape_are_kept_and_a_delivered_order_fits_its_budget() -> None:
    lean = {f"{scenario}-v5-enc" for scenario in ("delivered", "cancelled", "payment_declined")}
    lean |= {"operator_cancelled-v5-enc", "early_ready-v5-enc", "refund_stuck-v5-enc"}
    assert lean <= set(TEXTS)
    delivered = WorkflowHistory.from_json("any", TEXTS["delivered-v5-enc"]).events
    assert len(delivered) <= 70  # DESIGN.md §7; the bench samples live orders


def test_both_clear_and_encrypted_histories_are_kept() -> None:
    encrypted = {name for name, text in TEXTS.items() if _encodings(text) == {ENCRYPTED}}
    assert {"delivered-v3-enc", "cancelled-v3-enc", "payment_declined-v3-enc"} <= encrypted
    assert {"delivered", "delivered-v2"}.isdisjoint(encrypted)
    assert b"Ada Lovelace" in _raw(TEXTS["delivered"])
    assert b"Ada Lovelace" not in _raw(TEXTS["delivered-v3-enc"])


@pytest.mark.parametrize("name", sorted(TEXTS))
async def test_recorded_history_replays_deterministically(name: str) -> None:
    history = WorkflowHistory.from_json(f"order-{name}", TEXTS[name])
    replayer = Replayer(workflows=[OrderWorkflow], data_converter=encrypted_converter())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
