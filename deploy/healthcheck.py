"""Container healthchecks for docker-compose.yml: exit 0 when healthy, 1 with the reason.

    python deploy/healthcheck.py http URL   # the API: URL (its /readyz) answers 2xx
    python deploy/healthcheck.py worker     # a worker in this container polls the task queue
    python deploy/healthcheck.py bus        # the database and NATS JetStream answer

``bus`` is for the choreography relay and consumers, which serve no port: it
proves that what they need is reachable from their container, not that their
loop is alive (a crashed process exits, and compose restarts it).
"""

# Each check imports what it needs inside: Docker runs a healthcheck every few
# seconds in every replica, and the HTTP check should not pay for loading the
# Temporal SDK, SQLAlchemy and NATS.
import asyncio
import socket
import sys
import urllib.request

TIMEOUT_SECONDS = 5.0


def check_http(url: str) -> None:
    """The URL answers with a 2xx status (urlopen raises on 4xx and 5xx)."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
        if not 200 <= response.status < 300:
            raise RuntimeError(f"{url} answered {response.status}")


async def check_worker() -> None:
    """Temporal lists a poller of the order task queue whose identity ends in this host name.

    The SDK's default worker identity is ``<pid>@<hostname>``, and a container's
    host name is its own, so another replica's poller does not count.
    """
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    from infra.settings import Settings
    from infra.temporal import connect
    from workflows.names import TASK_QUEUE

    settings = Settings()
    client = await connect(settings)
    request = DescribeTaskQueueRequest(
        namespace=settings.temporal_namespace,
        task_queue=TaskQueue(name=TASK_QUEUE),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    answer = await client.workflow_service.describe_task_queue(request)
    host = socket.gethostname()
    if not any(poller.identity.endswith(f"@{host}") for poller in answer.pollers):
        raise RuntimeError(f"no worker on {host} polls task queue {TASK_QUEUE}")


async def check_bus() -> None:
    """The database runs a query and NATS JetStream reports the account."""
    import nats
    from sqlalchemy import text

    from infra.database import make_engine
    from infra.settings import Settings

    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    connection_to_nats = await nats.connect(settings.nats_server_urls(), allow_reconnect=False)
    try:
        await connection_to_nats.jetstream().account_info()
    finally:
        await connection_to_nats.close()


def main(argv: list[str]) -> int:
    """Run the check named by ``argv[1]``; print why it failed."""
    try:
        match argv[1:]:
            case ["http", url]:
                check_http(url)
            case ["worker"]:
                asyncio.run(asyncio.wait_for(check_worker(), TIMEOUT_SECONDS))
            case ["bus"]:
                asyncio.run(asyncio.wait_for(check_bus(), TIMEOUT_SECONDS))
            case _:
                print(__doc__, file=sys.stderr)
                return 2
    except Exception as error:
        print(f"unhealthy: {error!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
