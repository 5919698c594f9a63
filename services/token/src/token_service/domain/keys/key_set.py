"""Signing keys (RFC 7517 JWK, RFC 7518 §3.3 RS256) and the in-memory key set.

A key is `next` (published, not yet signing), `current` (signing) or `retired`
(published so tokens it signed still verify); key_lifecycle.py moves keys between
these states. Keys are parsed when a key set is built, never per token, and a new
key set reuses what its predecessor already parsed (a PEM parse costs ~36 ms).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from authgate_common.core.audit import AuditTrail
from authgate_common.core.jws import ALGORITHM
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk
from jose.backends.base import Key

STATES = ("next", "current", "retired")


@dataclass(frozen=True)
class StoredKey:
    kid: str
    alg: str
    state: str
    private_pem: str  # plaintext here; the repository encrypts it at rest
    public_jwk: dict[str, Any]
    created_at: datetime
    activated_at: datetime | None = None
    retired_at: datetime | None = None


class KeyConflict(Exception):
    """Another replica wrote a key at the same moment; read again."""


class KeyRepository(Protocol):
    audit: AuditTrail  # rows land in the same transaction

    def lock(self) -> None:
        """Serialise key writes across replicas until the transaction ends."""

    def list_keys(self) -> list[StoredKey]: ...

    def add(self, key: StoredKey) -> None: ...

    def set_state(self, kid: str, state: str, *, activated_at: datetime | None = None,
                  retired_at: datetime | None = None) -> None: ...

    def delete(self, kid: str) -> None: ...


KeyUnitOfWork = Callable[[], AbstractContextManager[KeyRepository]]


def generate_signing_key(now: datetime, state: str = "current") -> StoredKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    kid = secrets.token_urlsafe(16)
    public = jwk.construct(pem, ALGORITHM).public_key().to_dict()
    public_jwk = {"kty": "RSA", "n": public["n"], "e": public["e"], "kid": kid, "use": "sig",
                  "alg": ALGORITHM}
    return StoredKey(kid=kid, alg=ALGORITHM, state=state, private_pem=pem, public_jwk=public_jwk,
                     created_at=now, activated_at=now if state == "current" else None)


def signing_key_of(keys: Iterable[StoredKey]) -> StoredKey | None:
    """The key that signs. Should two ever be current, every replica picks the same one."""
    current = [k for k in keys if k.state == "current"]
    return max(current, key=lambda k: (k.activated_at or k.created_at, k.kid)) if current else None


def fingerprint(keys: Iterable[StoredKey]) -> tuple[tuple[Any, ...], ...]:
    """What a reload compares: a new kid, a state change or a removal changes it."""
    return tuple(sorted((k.kid, k.state, k.activated_at, k.retired_at) for k in keys))


class KeySet:
    """Parsed keys: kid → public key for verification, and the current private key.

    Immutable; a rotation builds a new one (KeyRing swaps it in).
    """

    def __init__(self, keys: Iterable[StoredKey], previous: KeySet | None = None) -> None:
        # Stable order (and sorted JSON members) so every replica serves identical bytes,
        # hence the same ETag, for the same keys.
        keys = sorted(keys, key=lambda k: (k.created_at, k.kid))
        chosen = signing_key_of(keys)
        if chosen is None:
            raise ValueError("no current signing key")
        self.fingerprint = fingerprint(keys)
        self.current_kid = chosen.kid
        self.current_created_at = chosen.created_at
        if previous is not None and previous.current_kid == chosen.kid:
            self.signing_key: Key = previous.signing_key
        else:
            self.signing_key = jwk.construct(chosen.private_pem, ALGORITHM)
        known = previous._public if previous is not None else {}
        self._public: dict[str, Key] = {
            k.kid: known.get(k.kid) or jwk.construct(k.public_jwk, ALGORITHM) for k in keys}
        self.jwks_json = json.dumps({"keys": [k.public_jwk for k in keys]}, separators=(",", ":"),
                                    sort_keys=True)
        # A strong validator (RFC 9110 §8.8.3): it changes exactly when the bytes do.
        self.etag = '"' + hashlib.sha256(self.jwks_json.encode()).hexdigest()[:32] + '"'

    def current(self) -> KeySet:
        """A KeySet is its own snapshot (see KeyRing.current)."""
        return self

    def public_key(self, kid: str) -> Key | None:
        return self._public.get(kid)

    def jwks(self) -> dict[str, Any]:
        return json.loads(self.jwks_json)
