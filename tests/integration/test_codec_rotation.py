"""Rotating the payload key: running orders stay readable, new payloads use the new key.

Orders start under key A; the worker and the client restart with B first and
A still listed (``PIZZERIA_CODEC_KEYS=B,A``); every order answers its query,
takes its staff updates and completes, and what was written after the restart
is encrypted with B.
"""

import uuid
from collections.abc import Iterable
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHandle

from domain.order import OrderStatus
from infra.codec import KEY_ID, EncryptionCodec, UnknownCodecKey
from infra.codec_keys import KeyRing, parse_key
from infra.settings import Settings
from infra.temporal import connect
from services.container import Services
from tests.support import (
    ROTATED_CODEC_KEY,
    TEST_CODEC_KEY,
    drive_to_delivered,
    place_order,
    status_is,
    wait_for_state,
)
from worker import build_worker
from workflows.contracts import OrderInput
from workflows.names import workflow_id
from workflows.order import OrderWorkflow

ORDERS = 3


async def client_with(settings: Settings, *keys: str) -> Client:
    return await connect(settings.model_copy(update={"codec_keys": list(keys)}))


def key_ids(payloads: Iterable[Payload]) -> set[bytes]:
    """The key id each payload was encrypted with."""
    return {payload.metadata.get(KEY_ID, b"<clear>") for payload in payloads}


def update_inputs(events: list[HistoryEvent]) -> list[Payload]:
    """The payloads of every staff update the history accepted."""
    attribute = "workflow_execution_update_accepted_event_attributes"
    accepted = [getattr(e, attribute) for e in events if e.HasField(attribute)]
    return [p for a in accepted for p in a.accepted_request.input.args.payloads]


async def start_orders(client: Client, task_queue: str) -> list[WorkflowHandle[Any, Any]]:
    handles = []
    for _ in range(ORDERS):
        order_id = f"rot-{uuid.uuid4().hex[:10]}"
        handle = await client.start_workflow(
            OrderWorkflow.run,
            OrderInput(order=place_order(order_id)),
            id=workflow_id(order_id),
            task_queue=task_queue,
        )
        handles.append(handle)
    return handles


async def test_running_orders_survive_a_key_rotation_and_new_payloads_use_the_new_key(
    stack_settings: Settings, stack_services: Services
) -> None:
    task_queue = f"rotation-{uuid.uuid4()}"
    before = await client_with(stack_settings, TEST_CODEC_KEY)
    async with build_worker(before, stack_services, task_queue=task_queue):
        started = await start_orders(before, task_queue)
        for handle in started:
            await wait_for_state(handle, status_is(OrderStatus.CONFIRMED))

    after = await client_with(stack_settings, ROTATED_CODEC_KEY, TEST_CODEC_KEY)
    async with build_worker(after, stack_services, task_queue=task_queue):
        for old in started:
            handle = after.get_workflow_handle_for(OrderWorkflow.run, old.id)
            state = await wait_for_state(handle, status_is(OrderStatus.CONFIRMED))
            await drive_to_delivered(handle, state.order_id)
            assert (await handle.result()).status is OrderStatus.DELIVERED

    events = [e async for e in after.get_workflow_handle(started[0].id).fetch_history_events()]
    started = events[0].workflow_execution_started_event_attributes.input.payloads
    result = events[-1].workflow_execution_completed_event_attributes.result.payloads
    assert key_ids(started) == {b"tests-a"}  # written before the rotation
    assert key_ids(update_inputs(events)) == {b"tests-b"}  # every update came after it
    assert key_ids(result) == {b"tests-b"}


async def test_without_the_old_key_an_old_payload_is_refused_naming_the_key(
    stack_settings: Settings,
) -> None:
    before = await client_with(stack_settings, TEST_CODEC_KEY)
    [sealed] = await before.data_converter.encode([place_order("o-1")])
    only_new = EncryptionCodec(KeyRing((parse_key(ROTATED_CODEC_KEY),)))
    with pytest.raises(UnknownCodecKey, match="'tests-a'"):
        await only_new.decode([sealed])
