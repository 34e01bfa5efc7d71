"""The order's contact record: who an order is for and where it goes, one row per order.

Personal data lives here and not in events (OrderPlaced v2 carries none). The
orders read model owns the table; the saga stores the row in the transaction
that records OrderPlaced, choreography in the one that stores the new order.
Orders placed before v2 have no row: their v1 OrderPlaced still holds it.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from domain.commands import PlaceOrder
from domain.order import Order
from infra.database import insert_once
from services.messages import OrderContact


class OrderContactRow(SQLModel, table=True):
    """How to reach the customer of one order."""

    __tablename__ = "order_contacts"

    order_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=120)
    phone: str = Field(max_length=32)
    email: str = Field(max_length=254)
    delivery_address: str = Field(max_length=300)


def contact_of(order: Order | PlaceOrder) -> OrderContact:
    """The contact details an order was placed with."""
    customer = order.customer
    return OrderContact(
        name=customer.name,
        phone=customer.phone,
        email=customer.email,
        delivery_address=order.delivery_address,
    )


async def save_contact(session: AsyncSession, order_id: str, contact: OrderContact) -> None:
    """Store the order's contact once; the first one stays (placing is idempotent)."""
    await insert_once(session, OrderContactRow, {"order_id": order_id, **contact.model_dump()})


async def load_contact(session: AsyncSession, order_id: str) -> OrderContact | None:
    """The order's contact row, or None."""
    row = await session.get(OrderContactRow, order_id)
    return OrderContact.model_validate(row.model_dump()) if row is not None else None


def contact_in_v1_placed(payloads: Iterable[dict[str, Any]]) -> OrderContact | None:
    """The contact a v1 OrderPlaced (stored before v2) carried, if the log has one."""
    for payload in payloads:
        if payload.get("type") == "OrderPlaced" and "customer_phone" in payload:
            return OrderContact(
                name=payload["customer_name"],
                phone=payload["customer_phone"],
                email=payload["customer_email"],
                delivery_address=payload["delivery_address"],
            )
    return None
