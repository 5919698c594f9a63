"""Removing refresh-token rows nobody can use any more, so the tables stay bounded.

Used tokens must outlive their rotation (reuse detection, RFC 9700 §4.14.2, needs them),
so only rows expired or revoked more than RETENTION ago go, then families left with no
token. Each batch is its own short transaction: no long lock, and several replicas
running the job at once only delete the same rows once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from .refresh_tokens import RefreshTokens

log = logging.getLogger(__name__)
RETENTION = timedelta(days=1)


class RefreshCleanup:
    def __init__(self, refresh: RefreshTokens, batch_size: int = 500, max_batches: int = 200) -> None:
        self._refresh = refresh
        self._batch = batch_size
        self._max_batches = max_batches

    def run_once(self) -> int:
        cutoff = self._refresh.now() - RETENTION
        total = 0
        for _ in range(self._max_batches):
            with self._refresh.transaction() as repo:
                deleted = repo.delete_stale(cutoff, self._batch)
            total += deleted
            if deleted < self._batch:
                break
        if total:
            log.info("refresh cleanup removed %d row(s)", total)
        return total
