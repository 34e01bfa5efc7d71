"""Stop requests from SIGINT/SIGTERM, safe to record inside a signal handler.

Python runs a signal handler in the main thread between two bytecodes, also
while that thread holds a lock: a handler that calls ``threading.Event.set()``
can wait forever for the lock its own thread holds (``Event.wait`` takes it).
So the handler here only counts and writes one byte to a non-blocking pipe;
the supervise loop sleeps in ``select`` on that pipe and wakes at once.
"""

import contextlib
import os
import select
import signal
from types import FrameType
from typing import Protocol

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopping(Protocol):
    """Whatever says whether a stop was asked for: a ``StopRequest``, a ``threading.Event``."""

    def is_set(self) -> bool:
        """Whether to stop."""
        ...


class StopRequest:
    """How many stop signals arrived; the first asks to stop, a second to hurry."""

    def __init__(self) -> None:
        self._count = 0
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)

    def install(self) -> None:
        """Handle SIGINT and SIGTERM from now on."""
        for sig in SIGNALS:
            signal.signal(sig, self._handle)

    def set(self) -> None:
        """Ask to stop, as a signal would."""
        self._handle(0, None)

    def is_set(self) -> bool:
        """Whether a stop was asked for."""
        return self._count > 0

    def urgent(self) -> bool:
        """Whether it was asked for again (a second Ctrl-C): stop without waiting."""
        return self._count > 1

    def wait(self, timeout: float) -> bool:
        """Sleep until a stop is asked for or ``timeout`` passes; whether one was asked for."""
        if not self.is_set():
            select.select([self._read], [], [], timeout)
            self._drain()
        return self.is_set()

    def close(self) -> None:
        """Release the pipe; signals after this still count but wake nobody."""
        # Unpublish before closing: a signal landing in between must not write to a
        # closed descriptor, or to another file that reused its number.
        read, write, self._read, self._write = self._read, self._write, -1, -1
        os.close(read)
        os.close(write)

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        self._count += 1
        if self._write < 0:
            return  # closed: the stop is already under way
        # A full pipe holds earlier wake-ups: the loop wakes anyway.
        with contextlib.suppress(BlockingIOError):
            os.write(self._write, b"\0")

    def _drain(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while os.read(self._read, 512):
                pass
