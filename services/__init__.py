"""Side effects live here: each service owns its tables and keys every mutating call."""
