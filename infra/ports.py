"""Free TCP ports for the servers a local stack, the bench and the tests start.

Drawn below the kernel's ephemeral range. A port in that range that nobody
listens on yet is the kernel's to hand out: to any process's ``bind(0)`` (the
dev server's internal services, the SDK's metrics) and as the local end of any
outgoing connection (NATS routes, database pools, readiness probes). A stack's
port is chosen long before its server binds it (a cluster's second API replica
starts last), and in between the kernel can give it away. Below the range only
an explicit bind takes a port.
"""

import random
import socket
from collections.abc import Iterable
from pathlib import Path

LOWEST = 10_000
# Linux's range; macOS and Windows start theirs at 49152, above the fallback.
_LINUX_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
EPHEMERAL_START = int(_LINUX_RANGE.read_text().split()[0]) if _LINUX_RANGE.exists() else 32768


def is_free(port: int) -> bool:
    """Whether nothing listens on ``port`` of 127.0.0.1 right now."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now, below the ephemeral range."""
    if EPHEMERAL_START <= LOWEST:  # every port worth having is ephemeral: the kernel picks
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
            return port
    while not is_free(wanted := random.randrange(LOWEST, EPHEMERAL_START)):
        pass  # taken: draw again
    return wanted


def free_ports(count: int, besides: Iterable[int] = ()) -> list[int]:
    """``count`` different free ports, none of them in ``besides`` (chosen, not bound yet)."""
    taken = set(besides)
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in taken:
            taken.add(port)
            ports.append(port)
    return ports
