"""The order saga: decisions, timers and compensation. No I/O here."""
