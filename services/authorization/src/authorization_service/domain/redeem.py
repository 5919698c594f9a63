"""Redeeming an authorization code exactly once (RFC 6749 §4.1.3, §10.5; RFC 7636 §4.6;
RFC 9700 §4.2.4).

The code is consumed first, atomically, and that is committed whatever follows: a
code presented with the wrong client, redirect URI or verifier is burnt, so an
attacker holding a stolen code gets one guess. A second presentation fails with
invalid_grant carrying the grant_id, so the caller revokes what the first issued.
"""

from __future__ import annotations

from datetime import datetime

from authgate_common.core.errors import REPLAYED_GRANT_KEY, InvalidGrant, InvalidRequest

from .codes import CodeHasher, grant_id_of
from .models import Grant, StoredCode
from .pkce import is_valid_verifier, verifier_matches
from .ports import Clock, UnitOfWork

MAX_CODE_LENGTH = 512


class CodeRedeemer:
    def __init__(self, uow: UnitOfWork, hasher: CodeHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    def redeem(self, code: str, client_id: str, redirect_uri: str, code_verifier: str) -> Grant:
        if not code or len(code) > MAX_CODE_LENGTH:
            raise InvalidGrant(detail="missing or oversized code")
        code_hash = self._hasher.hash(code)
        now = self._clock.now()
        with self._uow() as tx:
            stored = tx.codes.consume(code_hash, now)
            replayed = stored is None and tx.codes.exists(code_hash)
        # The consume is committed now; everything below only decides the answer.
        if replayed:
            raise InvalidGrant("authorization code already used",
                               metadata={REPLAYED_GRANT_KEY: grant_id_of(code_hash)})
        if stored is None:
            raise InvalidGrant(detail="unknown code")
        self._check(stored, now, client_id, redirect_uri, code_verifier)
        return Grant(grant_id=stored.grant_id, client_id=stored.client_id, user_id=stored.user_id,
                     sid=stored.sid, scopes=stored.scopes, nonce=stored.nonce,
                     auth_time=stored.auth_time, amr=stored.amr, resources=stored.resources)

    @staticmethod
    def _check(stored: StoredCode, now: datetime, client_id: str, redirect_uri: str,
               verifier: str) -> None:
        if now >= stored.expires_at:
            raise InvalidGrant("authorization code expired")
        if client_id != stored.client_id:
            raise InvalidGrant(detail="code was issued to another client")
        # The token service always sends redirect_uri; it must be the one the code was issued for.
        if redirect_uri != stored.redirect_uri:
            raise InvalidGrant("redirect_uri does not match the authorization request")
        if stored.code_challenge:
            if not verifier:
                raise InvalidGrant("code_verifier required")
            if not is_valid_verifier(verifier):
                raise InvalidGrant("code_verifier is malformed")
            if not verifier_matches(verifier, stored.code_challenge):
                raise InvalidGrant("code_verifier does not match the code_challenge")
        elif verifier:
            raise InvalidRequest("code_verifier sent, but the authorization request had no code_challenge")
