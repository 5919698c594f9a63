"""Signing keys (RFC 7517 JWK, RFC 7518 §3.3 RS256) and the in-memory key set.

A key is `next` (published, not yet signing), `current` (signing) or `retired`
(published so tokens it signed still verify). Keys are parsed once, when the key set
is built, never per token.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk
from jose.backends.base import Key

ALGORITHM = "RS256"
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
    def lock(self) -> None:
        """Serialise key creation across replicas until the transaction ends."""

    def list_keys(self) -> list[StoredKey]: ...

    def add(self, key: StoredKey) -> None: ...


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


class KeySet:
    """Parsed keys: kid → public key for verification, and the current private key."""

    def __init__(self, keys: Iterable[StoredKey]) -> None:
        keys = list(keys)
        current = [k for k in keys if k.state == "current"]
        if not current:
            raise ValueError("no current signing key")
        # Should two ever be current (a race on SQLite), every replica picks the same one.
        chosen = max(current, key=lambda k: (k.activated_at or k.created_at, k.kid))
        self.current_kid = chosen.kid
        self.signing_key: Key = jwk.construct(chosen.private_pem, ALGORITHM)
        self._public: dict[str, Key] = {k.kid: jwk.construct(k.public_jwk, ALGORITHM) for k in keys}
        self._jwks = {"keys": [dict(k.public_jwk) for k in keys]}
        self.jwks_json = json.dumps(self._jwks, separators=(",", ":"))

    def public_key(self, kid: str) -> Key | None:
        return self._public.get(kid)

    def jwks(self) -> dict[str, Any]:
        return json.loads(self.jwks_json)
