"""The periodic refresh-token cleanup as a daemon thread of `serve` (one per replica)."""

from __future__ import annotations

import random

from authgate_common.periodic_job import PeriodicJob

from ..domain.refresh.refresh_cleanup import RefreshCleanup


class CleanupJob(PeriodicJob):
    def __init__(self, cleanup: RefreshCleanup, interval_seconds: float) -> None:
        # A random first delay, so replicas started together do not all sweep at once.
        first = random.uniform(1, min(60.0, interval_seconds))  # noqa: S311 - not a secret
        super().__init__("refresh-cleanup", cleanup.run_once, interval_seconds, first)
