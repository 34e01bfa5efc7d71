"""Where services are wired: the worker, the API and the bus consumers all build them here."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from infra.migrations import upgrade_to_head
from infra.settings import Settings
from services.analytics import AnalyticsService
from services.changes import OrderChanges
from services.faults import FaultInjector
from services.inventory import InventoryService
from services.kitchen import KitchenService
from services.notifications import NotificationService
from services.orders import OrderReadModel
from services.payments import PaymentService
from services.providers import LocalProvider, NotificationProvider, SmtpEmailProvider
from services.recording import EventRecording


@dataclass(frozen=True)
class Services:
    """Every service, sharing one database."""

    faults: FaultInjector
    inventory: InventoryService
    payments: PaymentService
    kitchen: KitchenService
    notifications: NotificationService
    analytics: AnalyticsService
    orders: OrderReadModel
    recording: EventRecording
    changes: OrderChanges


def email_provider(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> NotificationProvider:
    """SMTP when a host is configured, otherwise the local outbox."""
    if settings.smtp_host:
        return SmtpEmailProvider(settings.smtp_host, settings.smtp_port, settings.smtp_sender)
    return LocalProvider("email", sessions)


def build_services(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> Services:
    """Wire every service on ``sessions`` as ``settings`` say."""
    faults = FaultInjector(sessions, enabled=settings.faults_on())
    notifications = NotificationService(
        sessions,
        faults,
        sms=LocalProvider("sms", sessions),
        email=email_provider(settings, sessions),
    )
    return Services(
        faults=faults,
        inventory=InventoryService(sessions, faults),
        payments=PaymentService(sessions, faults, limit=settings.payment_limit),
        kitchen=KitchenService(sessions, faults),
        notifications=notifications,
        analytics=AnalyticsService(sessions),
        orders=OrderReadModel(sessions),
        recording=EventRecording(sessions),
        changes=OrderChanges(sessions),
    )


async def prepare_database(engine: AsyncEngine, services: Services) -> None:
    """Bring the schema to the newest migration and seed the stock (both idempotent)."""
    await upgrade_to_head(engine)
    await services.inventory.seed()
