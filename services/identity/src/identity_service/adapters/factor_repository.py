"""Second factors in SQL: TOTP factors (secrets encrypted, bound to their row) and
recovery codes (keyed hashes). Never commits: the unit of work does."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from authgate_common.audit_store import SqlAuditTrail
from authgate_common.core.audit import AuditTrail
from authgate_common.db import RepositoryUnitOfWork
from sqlalchemy import CursorResult, Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session

from ..domain.mfa.ports import TOTP, TotpFactor
from ..domain.mfa.secret_box import SecretBox
from .mfa_tables import mfa_factors, recovery_codes
from .tables import users


def _context(user_id: str, factor_id: str) -> str:
    return f"totp:{user_id}:{factor_id}"


class SqlFactorRepository:
    def __init__(self, session: Session, box: SecretBox) -> None:
        self._s = session
        self._box = box
        self.audit: AuditTrail = SqlAuditTrail(session)

    def totp_factors(self, user_id: str, *, for_update: bool = False) -> list[TotpFactor]:
        if for_update:
            # The user's row serialises every change to their factors (two first enrolments
            # racing would otherwise each make recovery codes).
            self._s.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())
        query = (select(mfa_factors).where(mfa_factors.c.user_id == user_id, mfa_factors.c.kind == TOTP)
                 .order_by(mfa_factors.c.created_at, mfa_factors.c.id))
        rows = self._s.execute(query.with_for_update() if for_update else query).mappings()
        found = []
        for r in rows:
            secret = self._box.open(r["secret"], _context(r["user_id"], r["id"]))
            if secret is None:
                continue  # sealed under another SECRET_KEY or moved: unusable, never a crash
            found.append(TotpFactor(id=r["id"], user_id=r["user_id"], label=r["label"],
                                    secret=secret.decode(), created_at=r["created_at"],
                                    last_step=r["last_step"], last_used_at=r["last_used_at"]))
        return found

    def add_totp(self, factor: TotpFactor) -> None:
        sealed = self._box.seal(factor.secret.encode(), _context(factor.user_id, factor.id))
        self._s.execute(insert(mfa_factors).values(
            id=factor.id, user_id=factor.user_id, kind=TOTP, label=factor.label, secret=sealed,
            last_step=factor.last_step, created_at=factor.created_at, last_used_at=factor.last_used_at))

    def totp_used(self, factor_id: str, step: int, at: datetime) -> None:
        self._s.execute(update(mfa_factors).where(mfa_factors.c.id == factor_id)
                        .values(last_step=step, last_used_at=at))

    def remove_totp(self, user_id: str, factor_id: str) -> bool:
        result = self._s.execute(delete(mfa_factors).where(
            mfa_factors.c.id == factor_id, mfa_factors.c.user_id == user_id, mfa_factors.c.kind == TOTP))
        return bool(cast(CursorResult[Any], result).rowcount)

    def remove_all_totp(self, user_id: str) -> int:
        result = self._s.execute(delete(mfa_factors).where(mfa_factors.c.user_id == user_id))
        return int(cast(CursorResult[Any], result).rowcount)

    def replace_recovery_codes(self, user_id: str, code_hashes: list[str], at: datetime) -> None:
        self._s.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
        if code_hashes:
            self._s.execute(insert(recovery_codes), [
                {"user_id": user_id, "code_hash": h, "created_at": at, "used_at": None} for h in code_hashes])

    def use_recovery_code(self, user_id: str, code_hash: str, at: datetime) -> bool:
        # One UPDATE … WHERE used_at IS NULL: of two requests with one code, one wins.
        result = self._s.execute(update(recovery_codes).where(
            recovery_codes.c.user_id == user_id, recovery_codes.c.code_hash == code_hash,
            recovery_codes.c.used_at.is_(None)).values(used_at=at))
        return bool(cast(CursorResult[Any], result).rowcount)

    def recovery_codes_left(self, user_id: str) -> int:
        query = select(func.count()).select_from(recovery_codes).where(
            recovery_codes.c.user_id == user_id, recovery_codes.c.used_at.is_(None))
        return int(self._s.execute(query).scalar_one())

    def kinds(self, user_ids: list[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {u: set() for u in user_ids}
        if user_ids:
            query = select(mfa_factors.c.user_id, mfa_factors.c.kind).where(
                mfa_factors.c.user_id.in_(user_ids)).distinct()
            for user_id, kind in self._s.execute(query):
                found[user_id].add(kind)
        return found


class SqlFactorUnitOfWork(RepositoryUnitOfWork[SqlFactorRepository]):
    def __init__(self, engine: Engine, box: SecretBox) -> None:
        super().__init__(engine, lambda session: SqlFactorRepository(session, box))
