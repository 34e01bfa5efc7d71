"""Process logging: one JSON object per line, or readable lines with PIZZERIA_LOG_FORMAT=console.

Every line carries what is known of its context: ``order_id``, the current
span's ``trace_id`` / ``span_id``, and Temporal's ``workflow_id`` / ``run_id``
(and ``activity_type``, ``attempt``) from the SDK's log extras. A deliberate
``ApplicationError`` leaving an activity (a business refusal, a provider
outage that will be retried) is one line with its type and reason, not a
traceback; anything else keeps its traceback. Personal data never gets here:
nothing logs a customer, and the JSON formatter masks e-mail addresses and
phone numbers in case a message carries one.
"""

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Any, Literal

from opentelemetry import trace
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter
from temporalio import activity, workflow
from temporalio.exceptions import ApplicationError

LogFormat = Literal["json", "console"]
ORDER_ID: ContextVar[str | None] = ContextVar("pizzeria_order_id", default=None)
WORKFLOW_ID_PREFIX = "order-"
CONSOLE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s%(context)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
_MASKS = (
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "<email>"),
    (re.compile(r"\+\d[\d ()-]{6,}\d"), "<phone>"),
)
_SDK_EXTRAS = ("temporal_workflow", "temporal_activity", "__temporal_error_identifier")
_CONTEXT_KEYS = ("order_id", "trace_id", "span_id", "workflow_id", "run_id")


@contextmanager
def order_context(order_id: str | None) -> Iterator[None]:
    """Tag every line logged inside the block with ``order_id``."""
    token = ORDER_ID.set(order_id)
    try:
        yield
    finally:
        ORDER_ID.reset(token)


class OrderContext(logging.Filter):
    """Adds order, trace and workflow ids to each record; shortens deliberate failures."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keeps the record, with context attributes set (drops only eviction noise)."""
        if _is_eviction_noise(record):
            return False
        _add_temporal(record)
        _add_trace(record)
        order_id = ORDER_ID.get() or _order_of(getattr(record, "workflow_id", None))
        if order_id and not hasattr(record, "order_id"):
            record.order_id = order_id
        _shorten_application_error(record)
        record.context = "".join(
            f" {key}={getattr(record, key)}" for key in _CONTEXT_KEYS if hasattr(record, key)
        )
        return True


class MaskingJsonFormatter(JsonFormatter):
    """python-json-logger's formatter with personal data masked in the message."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        """Mask e-mail addresses and phone numbers; drop the console-only ``context``."""
        log_data.pop("context", None)
        message = str(log_data.get("message", ""))
        for pattern, mask in _MASKS:
            message = pattern.sub(mask, message)
        log_data["message"] = message
        return log_data


def setup_logging(log_format: LogFormat = "json", level: str = "INFO") -> None:
    """Route every logger (ours, the Temporal SDK's, uvicorn's) through one handler on stderr."""
    root = logging.getLogger()
    root.handlers[:] = [make_handler(log_format)]
    root.setLevel(level)
    # The ids already are fields of the line; the SDK would repeat them in the message.
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False


def make_handler(log_format: LogFormat, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing ``log_format`` lines with their context to ``stream`` (stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(OrderContext())
    handler.setFormatter(_formatter(log_format))
    return handler


def _formatter(log_format: LogFormat) -> logging.Formatter:
    if log_format == "console":
        return logging.Formatter(CONSOLE_FORMAT)
    return MaskingJsonFormatter(
        JSON_FIELDS,
        rename_fields={"levelname": "level", "name": "logger", "asctime": "time"},
        reserved_attrs=[*RESERVED_ATTRS, *_SDK_EXTRAS],
    )


def _is_eviction_noise(record: logging.LogRecord) -> bool:
    # A worker that stops (or evicts a cached workflow) closes the workflow's coroutine;
    # the tracing plugin's span context then cannot be detached in that other context
    # and OpenTelemetry logs a traceback per open workflow. Nothing is lost: the workflow
    # resumes on another worker and its span ends there.
    error = record.exc_info[1] if record.exc_info else None
    return (
        record.name == "opentelemetry.context"
        and isinstance(error, ValueError)
        and isinstance(error.__context__, GeneratorExit)
    )


def _add_temporal(record: logging.LogRecord) -> None:
    info = getattr(record, "temporal_workflow", None) or getattr(record, "temporal_activity", None)
    if not isinstance(info, dict):
        return
    record.workflow_id = info.get("workflow_id")
    record.run_id = info.get("run_id") or info.get("workflow_run_id")
    for key in ("activity_type", "attempt", "workflow_type"):
        if key in info:
            setattr(record, key, info[key])


def _add_trace(record: logging.LogRecord) -> None:
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        record.trace_id = format(context.trace_id, "032x")
        record.span_id = format(context.span_id, "016x")


def _order_of(workflow_id: object) -> str | None:
    if isinstance(workflow_id, str) and workflow_id.startswith(WORKFLOW_ID_PREFIX):
        return workflow_id.removeprefix(WORKFLOW_ID_PREFIX)
    return None


def _shorten_application_error(record: logging.LogRecord) -> None:
    error = record.exc_info[1] if record.exc_info else None
    if not isinstance(error, ApplicationError):
        return
    record.exc_info = None
    record.exc_text = None
    record.error_type = error.type
    record.reason = error.message
    record.msg = f"{record.getMessage()}: {error.type}: {error.message}"
    record.args = None
    if error.non_retryable:  # a business refusal is an outcome, not a fault
        record.levelno, record.levelname = logging.INFO, "INFO"
