"""A person's passkeys on the account page: list, rename, remove (and an operator's
reset of every factor). Each change is audited in its own transaction; a passkey that is
not the caller's reads as not found, never as someone else's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from authgate_common.core.audit import AuditEvent
from authgate_common.core.errors import InvalidRequest, NotFound

from ..mfa.ports import WEBAUTHN, FactorSummary
from .model import Passkey, passkey_name
from .ports import PasskeyUnitOfWork


class ManagePasskeys:
    """Also the passkeys' side of the factor list (domain/mfa/ports.OtherFactors)."""

    kind = WEBAUTHN

    def __init__(self, passkeys: PasskeyUnitOfWork) -> None:
        self._passkeys = passkeys

    def for_user(self, user_id: str) -> Sequence[Passkey]:
        with self._passkeys() as passkeys:
            return passkeys.list_for_user(user_id)

    def count(self, user_id: str) -> int:
        return len(self.for_user(user_id))

    def list_factors(self, user_id: str) -> list[FactorSummary]:
        return [FactorSummary(WEBAUTHN, p.id, p.name, p.created_at, p.last_used_at)
                for p in self.for_user(user_id)]

    def rename(self, user_id: str, passkey_id: str, name: str, sid: str = "") -> Passkey:
        label = passkey_name(name, fallback="")
        if not label:
            raise InvalidRequest("A passkey's name cannot be empty.")
        with self._passkeys() as passkeys:
            passkey = self._own(passkeys.get(passkey_id), user_id)
            passkeys.rename(passkey.id, label)
            passkeys.audit.record(AuditEvent("mfa.passkey.renamed", user_id, user_id, sid=sid,
                                             details={"passkey_id": passkey.id}))
        return replace(passkey, name=label)

    def remove(self, user_id: str, passkey_id: str, sid: str = "") -> None:
        with self._passkeys() as passkeys:
            passkey = self._own(passkeys.get(passkey_id), user_id)
            passkeys.delete(passkey.id)
            passkeys.audit.record(AuditEvent("mfa.passkey.removed", user_id, user_id, sid=sid,
                                             details={"passkey_id": passkey.id}))

    def remove_all(self, user_id: str) -> int:
        """Every passkey of the user (ResetUserFactors audits the reset itself)."""
        with self._passkeys() as passkeys:
            return passkeys.delete_for_user(user_id)

    @staticmethod
    def _own(passkey: Passkey | None, user_id: str) -> Passkey:
        if passkey is None or passkey.user_id != user_id:
            raise NotFound("no such passkey")
        return passkey
