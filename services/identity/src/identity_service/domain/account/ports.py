"""The ports the account flows need: their tokens and the users in one transaction, the
mail they send, and the session service that ends sessions."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from authgate_common.core.audit import AuditTrail

from ..ports import UserRepository

PASSWORD_RESET = "password_reset"
VERIFY_EMAIL = "verify_email"


@dataclass(frozen=True)
class AccountToken:
    """A link's token as stored: its keyed hash, never the token itself."""

    token_hash: str
    purpose: str  # PASSWORD_RESET | VERIFY_EMAIL
    user_id: str
    # The address a verification link was sent to (its email_key): a link for an address
    # the user has since changed verifies nothing.
    email_key: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


class AccountTokenRepository(Protocol):
    """Never commits (the unit of work does)."""

    def add(self, token: AccountToken) -> None: ...

    def find(self, token_hash: str, purpose: str) -> AccountToken | None: ...

    def consume(self, token_hash: str, purpose: str, now: datetime) -> AccountToken | None:
        """Mark the token used if it is unused and unexpired, atomically (one of two racing
        requests wins); the token as it was, or None."""
        ...

    def retire(self, user_id: str, purpose: str, now: datetime) -> None:
        """Drop every token of the user for `purpose`: none of its links works any more."""
        ...


class AccountStore(Protocol):
    users: UserRepository
    tokens: AccountTokenRepository
    audit: AuditTrail  # rows land in the same transaction


class AccountUnitOfWork(Protocol):
    """`with uow() as store:` — one transaction, committed when the block succeeds."""

    def __call__(self) -> AbstractContextManager[AccountStore]: ...


@dataclass(frozen=True)
class Letter:
    """One mail to one person; the Postbox writes it from the `kind`'s template."""

    kind: str  # password_reset | verify_email | already_registered | password_changed
    to: str
    username: str
    locale: str
    link: str = ""
    valid_minutes: int = 0


class Postbox(Protocol):
    @property
    def ready(self) -> bool:
        """False when no mail server is configured: flows that mail answer 404."""
        ...

    def send(self, letter: Letter) -> None:
        """Deliver now (blocking; callers run it in the background); raises on failure."""
        ...


class Links(Protocol):
    """The public URLs a mail links to (the transport knows its paths and the issuer)."""

    def password_reset(self, token: str) -> str: ...

    def verify_email(self, token: str) -> str: ...

    def password_reset_request(self) -> str:
        """The "forgot your password?" page."""
        ...

    def sign_in(self) -> str: ...


class SessionEnder(Protocol):
    """SessionService.RevokeUserSessions: every session of the user but `keep_sid`."""

    def revoke_user_sessions(self, user_id: str, keep_sid: str = "") -> None: ...
