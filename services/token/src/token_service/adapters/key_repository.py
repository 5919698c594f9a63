"""Signing keys in SQL, private keys encrypted at rest with Fernet (AES-128-CBC + HMAC).

The Fernet keys are the token service's SIGNING_KEY_ENCRYPTION_KEYS, newest first (the
first encrypts, every one decrypts), then the key derived from SECRET_KEY for this one
purpose: the default, and still readable once a list is set. The table alone reveals no
private key; `rewrap` moves every row to the first key so older ones can be dropped.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from authgate_common.audit_store import SqlAuditTrail
from authgate_common.core.audit import AuditTrail
from authgate_common.core.crypto import derive_key
from authgate_common.db import UnitOfWork
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Engine, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ..domain.keys.key_set import KeyConflict, StoredKey
from .tables import signing_keys

ENCRYPTION_PURPOSE = "token/signing-key-encryption"
# pg_advisory_xact_lock takes a bigint; any fixed value private to this purpose will do.
# Creation at start and every rotation take the same lock: all key writes serialise.
KEYS_LOCK_ID = zlib.crc32(b"authgate/token/signing-keys")


def make_cipher(secret_key: str, encryption_keys: Sequence[str] = ()) -> MultiFernet:
    derived = Fernet(base64.urlsafe_b64encode(derive_key(secret_key, ENCRYPTION_PURPOSE)))
    return MultiFernet([*(Fernet(key) for key in encryption_keys), derived])


class UnreadableSigningKey(RuntimeError):
    """A stored private key that none of the configured keys decrypts."""


_UNREADABLE = ("cannot decrypt signing key {kid} with SIGNING_KEY_ENCRYPTION_KEYS nor the key derived "
               "from SECRET_KEY: was SECRET_KEY changed, or the key it was encrypted with dropped "
               "from SIGNING_KEY_ENCRYPTION_KEYS before `rewrap`? (docs/secrets.md)")


class SqlKeyRepository:
    def __init__(self, session: Session, cipher: MultiFernet) -> None:
        self._s = session
        self._cipher = cipher
        self.audit: AuditTrail = SqlAuditTrail(session)

    def lock(self) -> None:
        if self._s.bind is not None and self._s.bind.dialect.name == "postgresql":
            self._s.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": KEYS_LOCK_ID})

    def list_keys(self) -> list[StoredKey]:
        rows = self._s.execute(select(signing_keys).order_by(signing_keys.c.created_at,
                                                             signing_keys.c.kid)).mappings()
        return [self._to_key(r) for r in rows]

    def add(self, key: StoredKey) -> None:
        self._s.execute(insert(signing_keys).values(
            kid=key.kid, alg=key.alg, state=key.state,
            private_key_encrypted=self._cipher.encrypt(key.private_pem.encode()).decode(),
            public_jwk=json.dumps(key.public_jwk, sort_keys=True), created_at=key.created_at,
            activated_at=key.activated_at, retired_at=key.retired_at))

    def set_state(self, kid: str, state: str, *, activated_at: datetime | None = None,
                  retired_at: datetime | None = None) -> None:
        values: dict[str, object] = {"state": state}
        if activated_at is not None:
            values["activated_at"] = activated_at
        if retired_at is not None:
            values["retired_at"] = retired_at
        self._s.execute(update(signing_keys).where(signing_keys.c.kid == kid).values(**values))

    def delete(self, kid: str) -> None:
        # The row goes, private key included: nothing it signed is still valid.
        self._s.execute(delete(signing_keys).where(signing_keys.c.kid == kid))

    def rewrap(self) -> int:
        """Every private key encrypted again with the first key; how many there are."""
        self.lock()
        rows = self._s.execute(select(signing_keys.c.kid, signing_keys.c.private_key_encrypted)).all()
        for kid, encrypted in rows:
            try:
                rewrapped = self._cipher.rotate(encrypted.encode()).decode()
            except InvalidToken as exc:
                raise UnreadableSigningKey(_UNREADABLE.format(kid=kid)) from exc
            self._s.execute(update(signing_keys).where(signing_keys.c.kid == kid)
                            .values(private_key_encrypted=rewrapped))
        return len(rows)

    def _to_key(self, row) -> StoredKey:  # type: ignore[no-untyped-def]
        try:
            pem = self._cipher.decrypt(row["private_key_encrypted"].encode()).decode()
        except InvalidToken as exc:
            raise UnreadableSigningKey(_UNREADABLE.format(kid=row["kid"])) from exc
        return StoredKey(kid=row["kid"], alg=row["alg"], state=row["state"], private_pem=pem,
                         public_jwk=json.loads(row["public_jwk"]), created_at=row["created_at"],
                         activated_at=row["activated_at"], retired_at=row["retired_at"])


class SqlKeyUnitOfWork:
    """One transaction per call; a concurrent writer's conflict surfaces as KeyConflict."""

    def __init__(self, engine: Engine, cipher: MultiFernet) -> None:
        self._uow = UnitOfWork(engine)
        self._cipher = cipher

    @contextmanager
    def __call__(self) -> Iterator[SqlKeyRepository]:
        try:
            with self._uow() as session:
                yield SqlKeyRepository(session, self._cipher)
        except IntegrityError as exc:
            raise KeyConflict() from exc
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            raise KeyConflict() from exc
