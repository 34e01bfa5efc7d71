"""Plumbing: settings, database, Temporal client. Knows nothing of the business."""
