"""Issuing authorization codes (RFC 6749 §4.1.2, §10.5; RFC 9700 §4.2.1).

A code is 256 bits of randomness; only its keyed hash is stored, so a copy of the
table cannot be redeemed. It lives at most 60 seconds and is bound to the client,
the redirect URI and the PKCE challenge. Its grant_id (derived from the hash) names
what it will issue, so a replay can revoke exactly that.
"""

from __future__ import annotations

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


class CodeIssuer:
    def __init__(self, uow: UnitOfWork, hasher: CodeHasher, clock: Clock, ttl_seconds: int) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)

    def issue(self, req: CodeRequest) -> str:
        code = random_token(32)
        code_hash = self._hasher.hash(code)
        now = self._clock.now()
        stored = StoredCode(**vars(req), code_hash=code_hash, grant_id=grant_id_of(code_hash),
                            created_at=now, expires_at=now + self._ttl)
        with self._uow() as tx:
            tx.codes.add(stored)
            tx.audit.record(AuditEvent("code.issued", req.user_id, req.user_id, req.client_id, req.sid,
                                       details={"scope": list(req.scopes), "grant_id": stored.grant_id}))
            if req.sid:
                # The client takes part in the session: tell it when the session ends
                # (OIDC Back-Channel Logout 1.0 §2.3).
                tx.backchannel.add_participant(req.sid, req.client_id, req.user_id, now)
        return code
