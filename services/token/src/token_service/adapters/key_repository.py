"""Signing keys in SQL, private keys encrypted at rest with Fernet (AES-128-CBC + HMAC).

The Fernet key is derived from SECRET_KEY for this one purpose, so the table alone
reveals no private key.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from authgate_common.crypto import derive_key
from authgate_common.db import UnitOfWork
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ..domain.keys import KeyConflict, StoredKey
from .tables import signing_keys

ENCRYPTION_PURPOSE = "token/signing-key-encryption"
# pg_advisory_xact_lock takes a bigint; any fixed value private to this purpose will do.
BOOTSTRAP_LOCK_ID = zlib.crc32(b"authgate/token/signing-keys")


def make_cipher(secret_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive_key(secret_key, ENCRYPTION_PURPOSE)))


class SqlKeyRepository:
    def __init__(self, session: Session, cipher: Fernet) -> None:
        self._s = session
        self._cipher = cipher

    def lock(self) -> None:
        if self._s.bind is not None and self._s.bind.dialect.name == "postgresql":
            self._s.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": BOOTSTRAP_LOCK_ID})

    def list_keys(self) -> list[StoredKey]:
        rows = self._s.execute(select(signing_keys).order_by(signing_keys.c.created_at)).mappings()
        return [self._to_key(r) for r in rows]

    def add(self, key: StoredKey) -> None:
        self._s.execute(insert(signing_keys).values(
            kid=key.kid, alg=key.alg, state=key.state,
            private_key_encrypted=self._cipher.encrypt(key.private_pem.encode()).decode(),
            public_jwk=json.dumps(key.public_jwk, sort_keys=True), created_at=key.created_at,
            activated_at=key.activated_at, retired_at=key.retired_at))

    def _to_key(self, row) -> StoredKey:  # type: ignore[no-untyped-def]
        try:
            pem = self._cipher.decrypt(row["private_key_encrypted"].encode()).decode()
        except InvalidToken as exc:
            raise RuntimeError(f"cannot decrypt signing key {row['kid']}: was SECRET_KEY changed?") from exc
        return StoredKey(kid=row["kid"], alg=row["alg"], state=row["state"], private_pem=pem,
                         public_jwk=json.loads(row["public_jwk"]), created_at=row["created_at"],
                         activated_at=row["activated_at"], retired_at=row["retired_at"])


class SqlKeyUnitOfWork:
    """One transaction per call; a concurrent writer's conflict surfaces as KeyConflict."""

    def __init__(self, engine: Engine, cipher: Fernet) -> None:
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
