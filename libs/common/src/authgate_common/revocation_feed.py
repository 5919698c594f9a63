"""The validator's side of the revocation feed: which sessions are revoked, with no I/O.

Every replica that validates access tokens (the token service) runs one
`RevokedSessions`. A daemon thread keeps `authgate.session.v1.SessionService/
WatchRevocations` open: the session service first sends every session revoked
within its window (the snapshot), then each new revocation on any session replica,
and a heartbeat every few seconds. The set lives in memory, sid -> the time it may
be forgotten (no access token bound to the session outlives it), so `is_revoked`
is a dict lookup on the validation path (SPEC §3: instant revocation, no database
read).

It fails closed (RFC 6750 §3.1 says nothing about availability; SPEC does): until
the snapshot has arrived, and whenever the stream is lost or silent for three
heartbeats, `healthy` is False and `check` raises TemporarilyUnavailable rather
than vouch for a token it cannot. It reconnects by itself with backoff, and each
reconnection brings a fresh snapshot, so what was revoked meanwhile is learnt then.

`on_revocations`, when given, also hears every revocation as it arrives (snapshots
included, so again after each reconnection): the authorization service uses it to send
back-channel logouts. It is called on the feed thread and must not block.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

import grpc
from authgate.session.v1 import session_pb2, session_pb2_grpc

from .core.errors import InvalidToken, TemporarilyUnavailable
from .grpc_access import InternalTls
from .grpc_server import channel

log = logging.getLogger(__name__)

DEFAULT_HEARTBEAT_SECONDS = 2.0
MISSED_HEARTBEATS = 3
PRUNE_EVERY_SECONDS = 30.0


class RevokedSessions:
    def __init__(self, target: str, *, tls: InternalTls | None,
                 heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS,
                 backoff_initial: float = 0.1, backoff_max: float = 5.0,
                 wall_clock: Callable[[], float] = time.time,
                 on_revocations: Callable[[Sequence[session_pb2.Revocation]], None] | None = None,
                 ) -> None:
        self._target = target
        self._tls = tls
        self._on_revocations = on_revocations
        # Replaced by the interval the server announces; this one covers the first connect.
        self._heartbeat = heartbeat_seconds
        self._backoff_initial, self._backoff_max = backoff_initial, backoff_max
        self._now = wall_clock
        # Readers only ever .get() it; writers replace entries or the whole dict (atomic).
        self._revoked: dict[str, float] = {}
        self._synced = False  # the current stream's snapshot has arrived
        self._last_message = time.monotonic()
        self._pruned_at = time.monotonic()
        self._call: grpc.Future | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._healthy_event = threading.Event()
        self._threads = [threading.Thread(target=self._run, name="revocation-feed", daemon=True),
                         threading.Thread(target=self._watch, name="revocation-feed-watchdog",
                                          daemon=True)]

    def start(self) -> RevokedSessions:
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._cancel()
        for t in self._threads:
            t.join(timeout=5)

    # -- the validation path: no I/O, no lock -------------------------------------------

    def is_revoked(self, sid: str) -> bool:
        forget_at = self._revoked.get(sid)
        return forget_at is not None and forget_at > self._now()

    @property
    def healthy(self) -> bool:
        silent_for = time.monotonic() - self._last_message
        return self._synced and silent_for < self._heartbeat * MISSED_HEARTBEATS

    def check(self, sid: str) -> None:
        """Raise unless a token bound to `sid` may be accepted.

        A token with no session (client_credentials) has nothing here to vouch for.
        """
        if not sid:
            return
        if not self.healthy:
            raise TemporarilyUnavailable("Session revocation state is not available yet.",
                                         detail="revocation feed not synced or silent")
        if self.is_revoked(sid):
            raise InvalidToken("The session behind this token has ended.")

    def wait_healthy(self, timeout: float) -> bool:
        """Block until the first snapshot has arrived (startup, tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.healthy:
                return True
            self._healthy_event.wait(min(0.05, max(0.0, deadline - time.monotonic())))
        return self.healthy

    def __len__(self) -> int:
        return len(self._revoked)

    def revoked(self) -> dict[str, float]:
        """A copy of what is revoked: sid -> when it may be forgotten (the token service's
        RevocationFeedService relays it to verifiers)."""
        return dict(self._revoked)

    def __bool__(self) -> bool:
        # A feed with nothing revoked yet is still a feed: `if feed:` must not read it as
        # absent (that once sent every validation to the session service over gRPC).
        return True

    # -- the feed thread ----------------------------------------------------------------

    def _run(self) -> None:
        backoff = self._backoff_initial
        while not self._stop.is_set():
            self._last_message = time.monotonic()  # the watchdog's clock for this attempt
            try:
                with channel(self._target, self._tls, "session") as ch:
                    call = session_pb2_grpc.SessionServiceStub(ch).WatchRevocations(
                        session_pb2.WatchRevocationsRequest())
                    with self._lock:
                        self._call = call
                    if self._stop.is_set():
                        call.cancel()
                    for message in call:
                        self._receive(message)
                        if self._synced:
                            backoff = self._backoff_initial
                log.warning("revocation feed ended by the server; reconnecting")
            except grpc.RpcError as exc:
                if not self._stop.is_set():
                    log.warning("revocation feed lost (%s); reconnecting in %.1fs",
                                exc.code() if hasattr(exc, "code") else exc, backoff)
            except Exception:  # noqa: BLE001 - the feed thread must outlive any surprise
                log.exception("revocation feed failed; reconnecting")
            finally:
                self._lost()
            self._stop.wait(backoff)
            backoff = min(backoff * 2, self._backoff_max)

    def _receive(self, message: session_pb2.WatchRevocationsResponse) -> None:
        self._last_message = time.monotonic()
        interval = message.heartbeat_interval.ToTimedelta().total_seconds()
        if interval > 0:
            self._heartbeat = interval
        now = self._now()
        for r in message.revocations:
            forget_at = r.expires_at.ToMicroseconds() / 1e6
            if forget_at > now:
                self._revoked[r.sid] = forget_at
        if self._on_revocations is not None and message.revocations:
            try:
                self._on_revocations(list(message.revocations))
            except Exception:  # noqa: BLE001 - a listener's fault must not cost the feed
                log.exception("revocation listener failed")
        if message.snapshot_complete and not self._synced:
            self._synced = True
            self._healthy_event.set()
            log.info("revocation feed synced: %d revoked sessions", len(self._revoked))
        if time.monotonic() - self._pruned_at >= PRUNE_EVERY_SECONDS:
            self._prune(now)

    def _prune(self, now: float) -> None:
        self._revoked = {sid: t for sid, t in self._revoked.items() if t > now}
        self._pruned_at = time.monotonic()

    def _lost(self) -> None:
        self._synced = False
        self._healthy_event.clear()
        with self._lock:
            self._call = None

    def _cancel(self) -> None:
        with self._lock:
            call = self._call
        if call is not None:
            call.cancel()

    def _watch(self) -> None:
        """Cancel a stream that went silent (a half-open connection never errors by itself)."""
        while not self._stop.wait(min(0.5, self._heartbeat / 2)):
            if time.monotonic() - self._last_message >= self._heartbeat * MISSED_HEARTBEATS:
                self._cancel()
