"""Log lines: one JSON object each, with the order's ids, refusals as one line, no personal data."""

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from temporalio.exceptions import ApplicationError

from infra.logs import LogFormat, make_handler, order_context


@pytest.fixture
def lines() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    logger, buffer = logging.getLogger("pizzeria.test.logs"), io.StringIO()
    logger.addHandler(make_handler("json", buffer))
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, buffer
    logger.handlers.clear()


def written(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def failing_activity(error: Exception) -> logging.LogRecord:
    """The record the Temporal SDK writes when an activity raises ``error``."""
    try:
        raise error
    except Exception:
        logger = logging.getLogger("temporalio.activity")
        return logger.makeRecord(
            logger.name, logging.WARNING, __file__, 1, "Completing activity as failed", (),
            exc_info=sys.exc_info(),
            extra={"temporal_activity": {"workflow_id": "order-o-7", "workflow_run_id": "r-1",
                                         "activity_type": "reserve_inventory", "attempt": 1}},
        )  # fmt: skip


def format_record(record: logging.LogRecord, log_format: LogFormat = "json") -> str:
    """The line our handler writes for ``record``."""
    handler = make_handler(log_format, io.StringIO())
    assert handler.filter(record)
    return handler.format(record)


def test_a_business_refusal_is_one_info_line_with_its_reason_not_a_traceback() -> None:
    refusal = ApplicationError("not enough mozzarella", type="OutOfStock", non_retryable=True)

    line = json.loads(format_record(failing_activity(refusal)))

    assert line["level"] == "INFO"
    assert line["reason"] == "not enough mozzarella"
    assert line["error_type"] == "OutOfStock"
    assert "exc_info" not in line and "Traceback" not in json.dumps(line)
    assert (line["order_id"], line["workflow_id"], line["run_id"]) == ("o-7", "order-o-7", "r-1")


def test_an_outage_that_will_be_retried_is_one_warning_line() -> None:
    outage = ApplicationError("sms gateway down", type="ProviderUnavailable")

    line = json.loads(format_record(failing_activity(outage)))

    assert line["level"] == "WARNING" and "Traceback" not in json.dumps(line)


def test_a_bug_keeps_its_traceback() -> None:
    line = json.loads(format_record(failing_activity(KeyError("oops"))))

    assert "Traceback" in line["exc_info"]


def test_lines_carry_the_order_and_the_current_trace(lines) -> None:
    logger, buffer = lines
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("handling") as span, order_context("o-42"):
        logger.info("handled")

    (line,) = written(buffer)
    assert line["order_id"] == "o-42"
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert len(line["span_id"]) == 16


def test_an_email_or_phone_number_in_a_message_is_masked(lines) -> None:
    logger, buffer = lines
    logger.warning("could not reach %s or %s", "luigi@example.com", "+39 055 123 4567")

    (line,) = written(buffer)
    assert line["message"] == "could not reach <email> or <phone>"


def test_the_console_format_is_one_readable_line_with_the_ids() -> None:
    refusal = ApplicationError("declined", type="PaymentDeclined", non_retryable=True)

    text = format_record(failing_activity(refusal), "console")

    assert "\n" not in text
    assert "PaymentDeclined: declined" in text and "order_id=o-7" in text


def test_a_stopping_worker_does_not_log_a_traceback_per_open_workflow() -> None:
    try:
        try:
            raise GeneratorExit()
        except GeneratorExit:
            raise ValueError("token was created in a different Context") from None
    except ValueError:
        logger = logging.getLogger("opentelemetry.context")
        record = logger.makeRecord(
            logger.name, logging.ERROR, __file__, 1, "Failed to detach context", (),
            exc_info=sys.exc_info(),
        )  # fmt: skip

    assert not make_handler("json", io.StringIO()).filter(record)
