"""The outbox relay of one replica: a daemon thread of `serve`, never on a request path.

Every replica runs one; they share the work through the claim (SKIP LOCKED), so a
message is delivered by one of them. A failing round (the database down) is logged and
the loop carries on.
"""

from __future__ import annotations

import logging
import threading

from ..domain.consent.relay import OutboxRelay

log = logging.getLogger(__name__)


class OutboxRelayJob:
    def __init__(self, relay: OutboxRelay, poll_seconds: float) -> None:
        self._relay = relay
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)

    def start(self) -> OutboxRelayJob:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._poll):
            try:
                # A full batch may mean more are due: go again at once.
                while self._relay.run_once() >= self._relay.policy.batch and not self._stop.is_set():
                    pass
            except Exception:  # noqa: BLE001 - the relay must outlive a database outage
                log.exception("outbox relay round failed; trying again")
