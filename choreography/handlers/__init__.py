"""Small handler functions: one per command, zero or more per event and consumer."""
