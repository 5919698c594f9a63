"""Guessing a client's credentials meets a limit (RFC 6749 §2.3.1: an endpoint taking a
client password MUST be protected against brute force; RFC 6819 §4.3.5).

Failed client authentications at /token, /introspect and /revoke (a wrong secret, a refused
private_key_jwt assertion) are counted per client_id and caller address, in the shared
key-value store, so every token replica adds to one count. The address is the one the
gateway vouches for (audit.current_source, set per request by entrypoints/fast_lane.py).
The `max_failures`-th failure inside the window locks that pair for `lock_seconds`; each
failure past it locks again. While locked, every request of the pair answers 429
`temporarily_unavailable` with Retry-After before any credential is checked: the right
secret too, so no guess learns whether it was right. Only that address is locked: the
client keeps working from its others, so a stranger cannot lock a client out.

Each failure is audited `client.auth_failed` (the method, the count and any lock it
started; never the credential). Unlike the per-client request limit this is a security
decision: when the store cannot answer, the request is refused (503, kv.FailClosedStore).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from authgate_common.core.audit import AuditEvent, AuditTrail, current_source
from authgate_common.core.errors import RETRY_AFTER_KEY, InvalidClient, TooManyRequests
from authgate_common.core.kv import KeyValueStore

from ..ports import Client, ClientAuthenticator

LOCKED = "too many failed client authentications from this address"


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 20
    window_seconds: int = 300
    lock_seconds: int = 300


class ClientLockout:
    def __init__(self, store: KeyValueStore, policy: LockoutPolicy,
                 clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._policy = policy
        self._clock = clock

    @staticmethod
    def _pair(client_id: str, address: str) -> str:
        # Hashed: both parts come from the caller, of any length and with any character.
        return hashlib.sha256(f"{client_id}\n{address}".encode()).hexdigest()[:32]

    def check(self, client_id: str, address: str) -> None:
        """Raises TooManyRequests while the pair is locked."""
        until = self._store.get(f"clientauth:lock:{self._pair(client_id, address)}")
        if until is None:
            return
        try:
            left = float(until) - self._clock()
        except ValueError:
            left = self._policy.lock_seconds
        retry_after = min(max(1, math.ceil(left)), self._policy.lock_seconds)
        raise TooManyRequests(LOCKED, metadata={RETRY_AFTER_KEY: str(retry_after)},
                              detail=f"client {client_id[:64]!r} from {address}: locked")

    def failed(self, client_id: str, address: str) -> tuple[int, int]:
        """Count one failure: the failures in the window and the lock it started (seconds, or 0)."""
        p, pair = self._policy, self._pair(client_id, address)
        failures = self._store.incr(f"clientauth:fail:{pair}", p.window_seconds)
        if failures < p.max_failures:
            return failures, 0
        self._store.set(f"clientauth:lock:{pair}", str(self._clock() + p.lock_seconds), p.lock_seconds)
        return failures, p.lock_seconds


def request_address() -> str:
    return current_source.get() or ""


def assertion_subject(assertion: str) -> str:
    """The client a private_key_jwt assertion claims to be (its `sub`, RFC 7523 §3), unverified:
    it only picks the counter, and a forged one counts against the forger's own address."""
    try:
        payload = assertion.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return ""
    sub = claims.get("sub") if isinstance(claims, dict) else None
    return sub if isinstance(sub, str) else ""


class LockedOutClients:
    """Client authentication with its failures counted per caller address."""

    def __init__(self, inner: ClientAuthenticator, lockout: ClientLockout, audit: AuditTrail,
                 address: Callable[[], str] = request_address) -> None:
        self._inner = inner
        self._lockout = lockout
        self._audit = audit
        self._address = address

    def authenticate_client(self, client_id: str, client_secret: str, *, client_assertion_type: str = "",
                            client_assertion: str = "") -> Client:
        claimed = client_id or assertion_subject(client_assertion)
        address = self._address()
        self._lockout.check(claimed, address)
        try:
            return self._inner.authenticate_client(client_id, client_secret,
                                                   client_assertion_type=client_assertion_type,
                                                   client_assertion=client_assertion)
        except InvalidClient:
            failures, locked = self._lockout.failed(claimed, address)
            details = {"method": "private_key_jwt" if client_assertion else "client_secret",
                       "failures": failures, **({"locked_seconds": locked} if locked else {})}
            self._audit.record(AuditEvent("client.auth_failed", client_id=claimed, source=address,
                                          details=details))
            raise
