"""Authorization codes in SQL, consumed with one conditional UPDATE … RETURNING.

Two redemptions racing on the same code both run the UPDATE; the database lets
exactly one of them match `consumed_at IS NULL` (PostgreSQL re-checks the condition
after the first commits; SQLite serialises writers). Reading first and deleting
after would let both through.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from ..domain.models import StoredCode
from .tables import authorization_codes as codes


def _to_code(row: Any) -> StoredCode:
    return StoredCode(
        code_hash=row["code_hash"], grant_id=row["grant_id"], client_id=row["client_id"],
        user_id=row["user_id"], sid=row["sid"], redirect_uri=row["redirect_uri"],
        scopes=tuple(row["scopes"].split()), nonce=row["nonce"], code_challenge=row["code_challenge"],
        code_challenge_method=row["code_challenge_method"], auth_time=row["auth_time"],
        amr=tuple(row["amr"].split()), created_at=row["created_at"], expires_at=row["expires_at"],
        consumed_at=row["consumed_at"], resources=tuple(row["resources"].split()))


# One code issued per /authorize, one consumed per exchange: built once (bench/NOTES.md, item 19).
_ADD = insert(codes)
_CONSUME = (update(codes)
            .where(codes.c.code_hash == bindparam("hash"), codes.c.consumed_at.is_(None))
            .values(consumed_at=bindparam("consumed_at"))
            .returning(*codes.c))


class SqlCodeRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, code: StoredCode) -> None:
        self._s.execute(_ADD, {
            "code_hash": code.code_hash, "grant_id": code.grant_id, "client_id": code.client_id,
            "user_id": code.user_id, "sid": code.sid, "redirect_uri": code.redirect_uri,
            "scopes": " ".join(code.scopes), "nonce": code.nonce, "code_challenge": code.code_challenge,
            "code_challenge_method": code.code_challenge_method, "auth_time": code.auth_time,
            "amr": " ".join(code.amr), "created_at": code.created_at, "expires_at": code.expires_at,
            "resources": " ".join(code.resources)})

    def consume(self, code_hash: str, now: datetime) -> StoredCode | None:
        row = self._s.execute(_CONSUME, {"hash": code_hash, "consumed_at": now}).mappings().first()
        return _to_code(row) if row is not None else None

    def exists(self, code_hash: str) -> bool:
        found = self._s.execute(select(codes.c.code_hash).where(codes.c.code_hash == code_hash)).first()
        return found is not None
