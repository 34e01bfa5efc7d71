"""The one place where service errors become Temporal's retry semantics.

A business refusal (out of stock, declined, illegal transition) is final:
it becomes a non-retryable ``ApplicationError`` whose ``type`` is the error's
class name, so the saga can tell refusals apart. A provider outage stays
retryable and the activity's retry policy decides how long to keep trying.
"""

from collections.abc import Awaitable
from typing import TypeVar

from temporalio.exceptions import ApplicationError

from domain.errors import BUSINESS_ERRORS, ProviderUnavailable

T = TypeVar("T")


async def as_activity_result(call: Awaitable[T]) -> T:
    """Await a service call, translating its errors for Temporal."""
    try:
        return await call
    except BUSINESS_ERRORS as refusal:
        raise ApplicationError(
            str(refusal), type=type(refusal).__name__, non_retryable=True
        ) from refusal
    except ProviderUnavailable as outage:
        raise ApplicationError(str(outage), type="ProviderUnavailable") from outage
