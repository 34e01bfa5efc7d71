"""``pizzeria bench``: throughput, latency and cost of the order saga against bare Temporal."""
