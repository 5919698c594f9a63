"""Removing refresh-token and jti rows nobody can use any more, so the tables stay bounded.

Used tokens must outlive their rotation (reuse detection, RFC 9700 §4.14.2, needs them),
so only rows expired or revoked more than RETENTION ago go, then families left with no
token. Issued and revoked jtis go a little after their access token would be refused
anyway (JTI_MARGIN absorbs clocks of replicas that differ). Each batch is its own short
transaction: no long lock, and several replicas running the job at once only delete the
same rows once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from .refresh_store import RefreshRepository
from .refresh_tokens import RefreshTokens

log = logging.getLogger(__name__)
RETENTION = timedelta(days=1)
JTI_MARGIN = timedelta(minutes=5)


class RefreshCleanup:
    def __init__(self, refresh: RefreshTokens, batch_size: int = 500, max_batches: int = 200) -> None:
        self._refresh = refresh
        self._batch = batch_size
        self._max_batches = max_batches

    def run_once(self) -> int:
        now = self._refresh.now()
        total = self._in_batches(lambda repo: repo.delete_stale(now - RETENTION, self._batch))
        total += self._in_batches(lambda repo: repo.jtis.purge(now - JTI_MARGIN, self._batch))
        if total:
            log.info("refresh cleanup removed %d row(s)", total)
        return total

    def _in_batches(self, delete: Callable[[RefreshRepository], int]) -> int:
        total = 0
        for _ in range(self._max_batches):
            with self._refresh.transaction() as repo:
                deleted = delete(repo)
            total += deleted
            if deleted < self._batch:
                break
        return total
