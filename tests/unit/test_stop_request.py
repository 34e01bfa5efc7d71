"""The stop request a signal handler records: counted, waking the loop, safe after close."""

import os
import signal

from cli.signals import StopRequest


def test_a_stop_wakes_a_waiting_loop_at_once() -> None:
    stopping = StopRequest()
    try:
        stopping.set()

        assert stopping.wait(timeout=30) and not stopping.urgent()
        stopping.set()
        assert stopping.urgent()
    finally:
        stopping.close()


def test_a_signal_landing_after_close_counts_and_writes_nowhere() -> None:
    stopping = StopRequest()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        stopping.install()
        stopping.close()
        # The number the pipe had goes to the next file opened: it must stay untouched.
        reused = os.open(os.devnull, os.O_RDONLY)
        try:
            os.kill(os.getpid(), signal.SIGTERM)  # handled before the next bytecode
        finally:
            os.close(reused)

        assert stopping.is_set()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
