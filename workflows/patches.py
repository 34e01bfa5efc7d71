"""The saga's history shape: one patch for orders started on the leaner history.

Every ``workflow.patched`` that a new order calls writes a marker and a
``TemporalChangeVersion`` upsert into its history: two events each. Orders
started on ``PATCH_LEAN_HISTORY`` take every earlier patch's new branch
without asking for it (``patched`` below), so they pay for one patch only.
The lean history itself: a customer notification is one activity per purpose
(its channels inside it), and the charge and the kitchen ticket run as local
activities in the workflow task that follows the reservation.
"""

from temporalio import workflow

PATCH_LEAN_HISTORY = "lean-history"


def lean_history() -> bool:
    """Whether this order runs the lean history; asked first in the order's first task."""
    return workflow.patched(PATCH_LEAN_HISTORY)


def patched(patch_id: str) -> bool:
    """``workflow.patched(patch_id)``, implied by the lean history (no marker of its own)."""
    return lean_history() or workflow.patched(patch_id)
