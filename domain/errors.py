"""Named business refusals.

Business errors are final: retrying a declined card or an empty shelf cannot
help, so activities turn them into non-retryable ``ApplicationError``s whose
``type`` is the class name. ``ProviderUnavailable`` is the one retryable error:
an outage that may pass.
"""


class DomainError(Exception):
    """A refusal the business itself makes; never retried."""


class IllegalTransition(DomainError):
    """The order cannot move from its current status to the requested one."""

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"an order that is {current} cannot become {target}")
        self.current = current
        self.target = target


class UnknownPizza(DomainError, ValueError):
    """The pizza is not on the menu (a ValueError too, so request validation reports it)."""


class OutOfStock(DomainError):
    """Not enough ingredients to make the order."""


class PaymentDeclined(DomainError):
    """The payment provider refused the charge."""


class OrderNotFound(DomainError):
    """No order with that id exists."""


class ProviderUnavailable(Exception):
    """An external provider is down or too slow; the call may succeed later."""


BUSINESS_ERRORS: tuple[type[DomainError], ...] = (
    IllegalTransition,
    UnknownPizza,
    OutOfStock,
    PaymentDeclined,
    OrderNotFound,
)
