"""Every replica follows key rotations without a restart: each tick runs the scheduled
rotation check and reloads the key set when the stored keys changed (one indexed read
when nothing did). If the database is unreachable the keys in memory stay in use."""

from __future__ import annotations

import logging

from authgate_common.periodic_job import PeriodicJob

from ..domain.keys.signing_keys import SigningKeys

log = logging.getLogger(__name__)


class KeyRefreshJob(PeriodicJob):
    def __init__(self, signing_keys: SigningKeys, interval_seconds: float) -> None:
        super().__init__("signing-key-refresh", self._tick, interval_seconds)
        self._keys = signing_keys

    def _tick(self) -> None:
        if self._keys.refresh():
            log.info("signing keys reloaded; signing with kid=%s", self._keys.ring.current().current_kid)
