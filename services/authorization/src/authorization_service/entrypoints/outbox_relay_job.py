"""The outbox relay of one replica: a daemon thread of `serve`, never on a request path.

Every replica runs one; they share the work through the claim (SKIP LOCKED), so a
message is delivered by one of them. A failing round (the database down) is logged and
the loop carries on.
"""

from __future__ import annotations

from authgate_common.periodic_job import PeriodicJob

from ..domain.consent.relay import OutboxRelay


class OutboxRelayJob(PeriodicJob):
    def __init__(self, relay: OutboxRelay, poll_seconds: float) -> None:
        super().__init__("outbox-relay", self._round, poll_seconds)
        self._relay = relay

    def _round(self) -> None:
        # A full batch may mean more are due: go again at once.
        while self._relay.run_once() >= self._relay.policy.batch and not self.stopping:
            pass

    def stop(self, wait_seconds: float = 5) -> None:
        super().stop(wait_seconds)
