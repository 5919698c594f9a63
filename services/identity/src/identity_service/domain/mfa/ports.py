"""What the second factor needs from storage: TOTP factors, recovery codes (SQL, one
transaction per unit of work), the pending sign-ins (a key-value store with TTLs), and
the other kinds of factor kept elsewhere (passkeys), so one list shows them all."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from authgate_common.core.audit import AuditTrail

TOTP = "totp"
WEBAUTHN = "webauthn"


@dataclass(frozen=True)
class TotpFactor:
    id: str
    user_id: str
    label: str
    secret: str  # base32; encrypted at rest by the repository (secret_box.py)
    created_at: datetime
    last_step: int | None = None  # the last time step accepted: it and earlier ones are refused
    last_used_at: datetime | None = None


@dataclass(frozen=True)
class FactorSummary:
    """One second factor as the account page and the admin API list it."""

    kind: str  # TOTP or WEBAUTHN
    id: str
    label: str
    created_at: datetime
    last_used_at: datetime | None = None


class FactorRepository(Protocol):
    """Never commits (the unit of work does)."""

    audit: AuditTrail  # rows land in the same transaction

    def totp_factors(self, user_id: str, *, for_update: bool = False) -> list[TotpFactor]: ...
    def add_totp(self, factor: TotpFactor) -> None: ...
    def totp_used(self, factor_id: str, step: int, at: datetime) -> None: ...
    def remove_totp(self, user_id: str, factor_id: str) -> bool: ...
    def remove_all_totp(self, user_id: str) -> int: ...
    def replace_recovery_codes(self, user_id: str, code_hashes: list[str], at: datetime) -> None: ...
    def use_recovery_code(self, user_id: str, code_hash: str, at: datetime) -> bool:
        """Marks an unused code used; False when there is none (unknown or used already)."""
        ...
    def recovery_codes_left(self, user_id: str) -> int: ...
    def kinds(self, user_ids: list[str]) -> dict[str, set[str]]:
        """The kinds of factor each user has in this store (mfa_methods)."""
        ...


class FactorUnitOfWork(Protocol):
    def __call__(self) -> AbstractContextManager[FactorRepository]: ...


class OtherFactors(Protocol):
    """A kind of second factor stored elsewhere (passkeys): listed and reset with TOTP."""

    kind: str

    def list_factors(self, user_id: str) -> list[FactorSummary]: ...
    def remove_all(self, user_id: str) -> int: ...
