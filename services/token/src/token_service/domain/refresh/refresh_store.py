"""Refresh tokens and their families as the core sees them, and the port that stores them
(RFC 6749 §6, RFC 9700 §4.14.2).

A family is everything rotated out of one authorization-code grant. A token is known
only by its keyed hash; the raw value exists in the response to the client and nowhere
else. Rows are never updated but to mark them used or revoked, so the chain and the
audit trail survive until the cleanup job removes what has long expired.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from authgate_common.core.audit import AuditEvent, client_actor

from ..revocation.jti_record import JtiRecord, JtiUnitOfWork


@dataclass(frozen=True)
class RefreshFamily:
    family_id: str
    client_id: str
    user_id: str
    sid: str
    grant_id: str
    created_at: datetime
    auth_time: int | None = None
    # How the user signed in for the grant (RFC 8176): every token of the family says so.
    amr: tuple[str, ...] = ()
    revoked_at: datetime | None = None
    revoked_reason: str = ""
    # RFC 8707 resource indicators of the grant: the family's access tokens are for them.
    resources: tuple[str, ...] = ()
    # RFC 9449 §5: a public client's family started with a DPoP proof is bound to its key
    # (thumbprint): every rotation needs a proof of that key. "": not bound.
    dpop_jkt: str = ""


@dataclass(frozen=True)
class RefreshToken:
    token_hash: str
    family_id: str
    parent_hash: str | None
    client_id: str
    user_id: str
    sid: str
    scopes: tuple[str, ...]  # what the resource owner granted; a refresh may narrow per request
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def is_live(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > now


def refresh_event(name: str, *, client_id: str = "", user_id: str = "", sid: str = "", family_id: str = "",
                  detail: Mapping[str, Any] | None = None) -> AuditEvent:
    """A refresh-token event of the audit trail, typed `token.<name>`: about the user, done
    by the client. `detail` never holds a token, hash or secret."""
    details = {**(detail or {}), "family_id": family_id} if family_id else dict(detail or {})
    return AuditEvent("token." + name, user_id, client_actor(client_id), client_id, sid, details=details)


class RefreshRepository(Protocol):
    @property
    def jtis(self) -> JtiRecord:
        """The jti record, in the same transaction."""

    def add_family(self, family: RefreshFamily) -> None: ...

    def add_token(self, token: RefreshToken) -> None: ...

    def consume(self, token_hash: str, client_id: str, now: datetime) -> RefreshToken | None:
        """Mark the token used if it is unused, unrevoked, unexpired and this client's, in one
        statement: of any number of concurrent callers exactly one gets the row back."""

    def get_token(self, token_hash: str, *, lock: bool = False) -> RefreshToken | None: ...

    def get_family(self, family_id: str, *, lock: bool = False) -> RefreshFamily | None: ...

    def live_child(self, parent_hash: str, *, lock: bool = False) -> RefreshToken | None:
        """The successor of a token that has not been revoked (there is at most one)."""

    def revoke_token(self, token_hash: str, now: datetime) -> None: ...

    def revoke_family(self, family_id: str, reason: str, now: datetime) -> bool:
        """Revoke the family and every token in it; False when it was already revoked."""

    def families_of_grant(self, grant_id: str) -> list[str]: ...

    def families_of_client_user(self, client_id: str, user_id: str) -> list[str]:
        """The unrevoked families this client holds for this user (for every user when
        `user_id` is empty)."""

    def audit(self, event: AuditEvent, now: datetime) -> None: ...

    def delete_stale(self, cutoff: datetime, limit: int) -> int:
        """Delete up to `limit` tokens (then families) expired or revoked before `cutoff`."""


RefreshUnitOfWork = Callable[[], AbstractContextManager[RefreshRepository]]


def jti_unit_of_work(uow: RefreshUnitOfWork) -> JtiUnitOfWork:
    """Transactions of the jti record alone (it lives in the same database)."""
    @contextmanager
    def transaction() -> Iterator[JtiRecord]:
        with uow() as repo:
            yield repo.jtis
    return transaction
