"""Issuing authorization codes (RFC 6749 §4.1.2, §10.5; RFC 9700 §4.2.1).

A code is 256 bits of randomness; only its keyed hash is stored, so a copy of the
table cannot be redeemed. It lives at most 60 seconds and is bound to the client,
the redirect URI and the PKCE challenge. Its grant_id (derived from the hash) names
what it will issue, so a replay can revoke exactly that.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from authgate_common.core.audit import AuditEvent
from authgate_common.core.crypto import keyed_hash, random_token

from .models import CodeRequest, StoredCode
from .ports import Clock, UnitOfWork

GRANT_ID_LENGTH = 32


class CodeHasher:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def hash(self, code: str) -> str:
        return keyed_hash(self._key, code)


def grant_id_of(code_hash: str) -> str:
    return code_hash[:GRANT_ID_LENGTH]


class RecentParticipants:
    """The (session, client) pairs this process recorded as session participants lately, so
    that the next code for the same pair skips a statement that would change nothing (the
    row is inserted once, ON CONFLICT DO NOTHING). Forgetting is always safe: the insert
    runs again. Rows are kept for a session's lifetime and a day, far beyond `ttl_seconds`."""

    def __init__(self, ttl_seconds: float = 300.0, max_entries: int = 10_000) -> None:
        self._ttl, self._max = ttl_seconds, max_entries
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def known(self, sid: str, client_id: str) -> bool:
        with self._lock:
            until = self._seen.get((sid, client_id))
        return until is not None and until > time.monotonic()

    def remember(self, sid: str, client_id: str) -> None:
        with self._lock:
            if len(self._seen) >= self._max:
                self._seen.clear()  # a burst of sessions: start again rather than scan
            self._seen[(sid, client_id)] = time.monotonic() + self._ttl


class CodeIssuer:
    """Stores each code, its `code.issued` row and (once per session and client) the
    session's participant in one transaction. The audit row stays in it: at a code flow's
    rates a buffered log's batch holds one row, a transaction of its own (bench/NOTES.md)."""

    def __init__(self, uow: UnitOfWork, hasher: CodeHasher, clock: Clock, ttl_seconds: int,
                 participants: RecentParticipants | None = None) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._participants = participants or RecentParticipants()

    def issue(self, req: CodeRequest) -> str:
        code = random_token(32)
        code_hash = self._hasher.hash(code)
        now = self._clock.now()
        stored = StoredCode(**vars(req), code_hash=code_hash, grant_id=grant_id_of(code_hash),
                            created_at=now, expires_at=now + self._ttl)
        # The client takes part in the session: tell it when the session ends (OIDC
        # Back-Channel Logout 1.0 §2.3).
        participant = bool(req.sid) and not self._participants.known(req.sid, req.client_id)
        with self._uow() as tx:
            tx.codes.add(stored)
            tx.audit.record(AuditEvent("code.issued", req.user_id, req.user_id, req.client_id, req.sid,
                                       details={"scope": list(req.scopes), "grant_id": stored.grant_id}))
            if participant:
                tx.backchannel.add_participant(req.sid, req.client_id, req.user_id, now)
        if participant:  # committed
            self._participants.remember(req.sid, req.client_id)
        return code
