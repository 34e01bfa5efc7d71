"""How hard each kind of step tries: timeouts and retry bounds in one place."""

from datetime import timedelta

from temporalio.common import RetryPolicy

STEP_TIMEOUT = timedelta(seconds=10)
RECORD_TIMEOUT = timedelta(seconds=10)

# A provider outage shorter than this bound is absorbed; a longer one fails the step
# and the order is compensated (about 1+2+4+8 s of back-off over 5 attempts).
STEP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=5,
)

# Compensation must run: it keeps trying far longer than a forward step (about 3-4
# minutes); past this bound the order is flagged for a person and tried on (below).
COMPENSATION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=10,
)

# Notifications are never critical: a few tries, then NotificationFailed.
NOTIFICATION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=5,
)

# Writes to our own database: fast, local, retried until they land.
RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_interval=timedelta(seconds=5),
)

# Past COMPENSATION_RETRY an undo waits for a person but is still tried: a short round
# now and then (and whenever an admin asks), so an admin's retry answers within seconds.
ATTENTION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_attempts=3,
)
FIRST_RECHECK = timedelta(minutes=5)
LONGEST_RECHECK = timedelta(hours=4)
