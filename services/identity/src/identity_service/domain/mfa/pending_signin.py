"""The sign-in between its first and its second factor.

Until the second factor is given there is no session: a pending sign-in, short-lived
(5 minutes) and bound to the user and the methods used so far, carries the state. The
browser holds a random value in a cookie; the store holds the record under a keyed hash
of that value only (store what you can verify), so reading the store gives no cookie.
A step-up is the same record for a live session: bound to its sid too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from authgate_common.core.crypto import keyed_hash, random_token

SIGN_IN = "sign_in"
STEP_UP = "step_up"
TTL_SECONDS = 300
MAX_COOKIE_LENGTH = 64


@dataclass(frozen=True)
class PendingSignIn:
    user_id: str
    amr: tuple[str, ...]  # the methods used so far (RFC 8176), e.g. ("pwd",)
    return_to: str
    purpose: str = SIGN_IN
    sid: str = ""  # STEP_UP: the session to elevate


class PendingStore(Protocol):
    def put(self, key: str, pending: PendingSignIn, ttl_seconds: int) -> None: ...
    def get(self, key: str) -> PendingSignIn | None: ...
    def delete(self, key: str) -> None: ...


class PendingSignIns:
    def __init__(self, store: PendingStore, key: bytes, ttl_seconds: int = TTL_SECONDS) -> None:
        self._store = store
        self._key = key
        self.ttl_seconds = ttl_seconds

    def slot_of(self, cookie: str) -> str:
        """The record's key: a keyed hash of the cookie value (not secret; binds a challenge)."""
        return keyed_hash(self._key, cookie)

    def start(self, pending: PendingSignIn) -> str:
        """Store it; the answer is the cookie value, for the browser only."""
        cookie = random_token(32)
        self._store.put(self.slot_of(cookie), pending, self.ttl_seconds)
        return cookie

    def find(self, cookie: str) -> PendingSignIn | None:
        if not cookie or len(cookie) > MAX_COOKIE_LENGTH:
            return None
        return self._store.get(self.slot_of(cookie))

    def finish(self, cookie: str) -> None:
        if cookie and len(cookie) <= MAX_COOKIE_LENGTH:
            self._store.delete(self.slot_of(cookie))
