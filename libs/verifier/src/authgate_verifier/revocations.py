"""What is revoked, held in memory and fed by the token service's RevocationFeedService; no I/O.

Three sets, each entry kept until the time the feed says it may be forgotten (no token it
covers can still be valid then): revoked sessions (`sid`), revoked access tokens (`jti`)
and revoked clients (every token of the client with `iat` at or before a second). The
validation path reads them with dict lookups and no lock (writers replace entries).

Fail closed: until a snapshot has been completed on the current stream, and whenever
nothing arrived for `max_silence` seconds (the server sends a heartbeat every second or
two), `healthy` is False and `check` raises Unavailable. Revocations are never undone,
so a reconnection's snapshot is merged into what is held.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from .errors import InvalidToken, Unavailable

PRUNE_EVERY_SECONDS = 30.0


class RevocationState:
    def __init__(self, max_silence: float = 5.0, *, clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.max_silence = max_silence
        self._clock = clock
        self._monotonic = monotonic
        self.sessions: dict[str, float] = {}
        self.jtis: dict[str, float] = {}
        self.clients: dict[str, tuple[int, float]] = {}  # client_id -> (revoked_before, forget_at)
        self._synced = False
        self._heard_at = -1e18
        self._pruned_at = monotonic()

    # -- the validation path -------------------------------------------------------------

    @property
    def healthy(self) -> bool:
        return self._synced and self._monotonic() - self._heard_at < self.max_silence

    def check(self, jti: str, client_id: str, iat: float, sid: str) -> None:
        if not self.healthy:
            raise Unavailable("Revocation state is not available.")
        now = self._clock()
        if self.jtis.get(jti, 0.0) > now:
            raise InvalidToken("The access token has been revoked.")
        if sid and self.sessions.get(sid, 0.0) > now:
            raise InvalidToken("The session behind the access token has ended.")
        marker = self.clients.get(client_id)
        if marker is not None and marker[1] > now and iat <= marker[0]:
            raise InvalidToken("The access token has been revoked.")

    # -- the feed ------------------------------------------------------------------------

    def apply(self, sessions: Iterable[tuple[str, float]] = (), jtis: Iterable[tuple[str, float]] = (),
              clients: Iterable[tuple[str, int, float]] = (), snapshot_complete: bool = False) -> None:
        """One feed message (a heartbeat when all are empty)."""
        self._heard_at = self._monotonic()
        now = self._clock()
        for sid, forget_at in sessions:
            if forget_at > self.sessions.get(sid, 0.0) and forget_at > now:
                self.sessions[sid] = forget_at
        for jti, forget_at in jtis:
            if forget_at > self.jtis.get(jti, 0.0) and forget_at > now:
                self.jtis[jti] = forget_at
        for client_id, before, forget_at in clients:
            held = self.clients.get(client_id)
            if forget_at > now and (held is None or before >= held[0]):
                self.clients[client_id] = (before, max(forget_at, held[1] if held else 0.0))
        if snapshot_complete:
            self._synced = True
        if self._monotonic() - self._pruned_at >= PRUNE_EVERY_SECONDS:
            self.prune()

    def heard_long_ago(self) -> bool:
        """Nothing arrived for `max_silence`: the stream is cancelled and made again."""
        return self._monotonic() - self._heard_at >= self.max_silence

    def connecting(self) -> None:
        """A new stream starts: its silence is counted from now (still refusing until synced)."""
        self._synced = False
        self._heard_at = self._monotonic()

    def lost(self) -> None:
        """The stream ended: refuse until the next snapshot is complete."""
        self._synced = False

    def prune(self) -> None:
        now = self._clock()
        self.sessions = {k: t for k, t in self.sessions.items() if t > now}
        self.jtis = {k: t for k, t in self.jtis.items() if t > now}
        self.clients = {k: v for k, v in self.clients.items() if v[1] > now}
        self._pruned_at = self._monotonic()
