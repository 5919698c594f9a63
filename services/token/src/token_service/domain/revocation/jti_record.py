"""The record of access tokens by `jti`: which ones the code and refresh grants issued, and
which ones are revoked (RFC 7009 §2.1, RFC 6749 §4.1.2, RFC 9700 §4.2.4 and §4.14.2).

PostgreSQL holds it; the Redis deny-list every validation reads is a copy, rebuilt from
here when Redis comes back empty. Revoking a grant or a refresh family reads the issued
rows here too, never Redis. A row matters until its token would be refused anyway (its
`exp` plus the clock skew), and is purged after that.

A deleted client is one row, not one per token: every access token of that client issued
in or before the second it was revoked (`iat` <= `revoked_before`) is refused, for as long
as the longest-lived of them could still be accepted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class JtiEntry:
    """One access token, by jti, and when it stops being accepted anyway."""

    jti: str
    expires_at: datetime

    def ttl_seconds(self, now: datetime) -> int:
        return math.ceil((self.expires_at - now).total_seconds())


@dataclass(frozen=True)
class ClientRevocation:
    """Every access token of `client_id` with `iat` <= `revoked_before` is revoked; nothing
    it covers is still accepted after `expires_at`."""

    client_id: str
    revoked_at: datetime
    expires_at: datetime

    @property
    def revoked_before(self) -> int:
        """The whole second of `revoked_at`: `iat` has no finer grain, so a token issued in
        that same second is refused too, even one issued just after (the safe side)."""
        return math.floor(self.revoked_at.timestamp())

    def ttl_seconds(self, now: datetime) -> int:
        return math.ceil((self.expires_at - now).total_seconds())


@dataclass(frozen=True)
class IssuedJti:
    jti: str
    grant_id: str
    family_id: str  # "" when the token belongs to no refresh family
    expires_at: datetime


class JtiRecord(Protocol):
    def add_issued(self, issued: IssuedJti) -> None: ...

    def of_grant(self, grant_id: str, now: datetime) -> list[JtiEntry]:
        """The unexpired access tokens issued under this grant (any of its families too)."""

    def of_family(self, family_id: str, now: datetime) -> list[JtiEntry]:
        """The unexpired access tokens issued in this refresh family."""

    def revoke(self, entries: Sequence[JtiEntry], now: datetime) -> None:
        """Record each as revoked at `now`; a jti revoked before stays as it was."""

    def revoked(self, now: datetime, *, since: datetime | None = None, after: str = "",
                limit: int = 1000) -> list[JtiEntry]:
        """Unexpired revoked jtis in jti order, from just after `after`; only those revoked
        at or after `since` when it is given."""

    def revoke_client(self, revocation: ClientRevocation) -> None:
        """Record it; a later one replaces an earlier one of the same client."""

    def revoked_clients(self, now: datetime, *, since: datetime | None = None) -> list[ClientRevocation]:
        """The unexpired client revocations; only those recorded at or after `since` when given."""

    def purge(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` issued and revoked rows that expired before `before`."""


JtiUnitOfWork = Callable[[], AbstractContextManager[JtiRecord]]
