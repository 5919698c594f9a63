"""The jti deny-list sync as a daemon thread of `serve` (one per replica): pushes recent
revocations to Redis and reloads it when it came back empty (domain/revocation/deny_list.py)."""

from __future__ import annotations

import logging

from authgate_common.core.errors import TemporarilyUnavailable
from authgate_common.periodic_job import PeriodicJob

from ..domain.revocation.deny_list import DenyListKeeper

log = logging.getLogger(__name__)


class DenyListSyncJob(PeriodicJob):
    def __init__(self, keeper: DenyListKeeper, interval_seconds: float) -> None:
        # At once on start: a revocation whose push a crash cut off is pushed first thing.
        super().__init__("deny-list-sync", self._tick, interval_seconds, first_delay_seconds=0)
        self._keeper = keeper

    def _tick(self) -> None:
        try:
            self._keeper.sync()
        except TemporarilyUnavailable as exc:  # a store is down: validation fails closed meanwhile
            log.warning("jti deny-list sync skipped: %s", exc.detail or exc)
