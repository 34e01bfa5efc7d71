"""Side effects live here: each service owns its tables and takes an idempotency key on every mutating call."""
