"""What each grant and refresh-token family issued, and the jti deny-list
(RFC 9700 §4.2.4 and §4.14.2, RFC 6749 §4.1.2, RFC 7009 §2.1).

A replayed authorization code must revoke the tokens its first redemption issued, and a
reused refresh token every access token of its family: each access token of the code and
refresh grants is recorded (PostgreSQL) under its grant and its family, and revoking
either puts every one of them on the deny-list for as long as they could still be valid.
Client-credentials tokens belong to no grant that can be replayed; each can still be
revoked by its own jti. A deleted client's tokens, of every grant, are revoked at once by
one client revocation (every token of the client issued up to that second), kept for as
long as an access token lives (plus the clock skew): nothing older can be valid anyway.

Every revocation is recorded in PostgreSQL first (in the caller's transaction when there
is one, its push then waiting for the commit) and then pushed to the deny-list (Redis),
so no crash leaves a revocation only Redis knows; deny_list.py keeps the copy whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from authgate_common.core.errors import TemporarilyUnavailable

from .deny_list import DenyList, DenyListKeeper
from .jti_record import ClientRevocation, IssuedJti, JtiEntry, JtiRecord, JtiUnitOfWork


class GrantLedger:
    def __init__(self, record: JtiUnitOfWork, deny_list: DenyList, keeper: DenyListKeeper,
                 access_token_ttl: int, clock_skew: int = 0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._record = record
        self._deny_list = deny_list
        self._keeper = keeper
        self._ttl = access_token_ttl
        self._skew = timedelta(seconds=clock_skew)
        self._clock = clock

    def record(self, jti: str, exp: int, grant_id: str, family_id: str = "",
               into: JtiRecord | None = None) -> None:
        """Record an access token under its grant (and family): in `into`, the caller's
        transaction, or else in a transaction of its own."""
        issued = IssuedJti(jti, grant_id, family_id, datetime.fromtimestamp(exp, UTC) + self._skew)
        if into is not None:
            into.add_issued(issued)
            return
        with self._record() as record:
            record.add_issued(issued)

    def revoke_jti(self, jti: str, ttl_seconds: int | None = None) -> None:
        """Deny-list one jti; `ttl_seconds` is how long the token could still be accepted."""
        now = self._clock()
        entries = [JtiEntry(jti, now + timedelta(seconds=self._ttl if ttl_seconds is None
                                                 else max(1, ttl_seconds)))]
        with self._record() as record:
            record.revoke(entries, now)
        self.deny(entries)

    def revoke_grant(self, grant_id: str) -> int:
        now = self._clock()
        with self._record() as record:
            entries = record.of_grant(grant_id, now)
            record.revoke(entries, now)
        self.deny(entries)
        return len(entries)

    def revoke_family(self, record: JtiRecord, family_id: str) -> list[JtiEntry]:
        """Record the family's access tokens as revoked in the caller's transaction; the
        caller hands the result to `deny` once that has committed."""
        now = self._clock()
        entries = record.of_family(family_id, now)
        record.revoke(entries, now)
        return entries

    def revoke_client(self, record: JtiRecord, client_id: str) -> ClientRevocation:
        """Record, in the caller's transaction, that every access token of the client issued
        until now is revoked; the caller hands the result to `deny_client` once committed."""
        now = self._clock()
        revocation = ClientRevocation(client_id, now, now + timedelta(seconds=self._ttl) + self._skew)
        record.revoke_client(revocation)
        return revocation

    def deny_client(self, revocation: ClientRevocation) -> None:
        self._deny_list.add_clients([(revocation.client_id, revocation.revoked_before,
                                      revocation.ttl_seconds(self._clock()))])

    def deny(self, entries: Sequence[JtiEntry]) -> None:
        """Push recorded revocations to the deny-list."""
        now = self._clock()
        live = [(e.jti, e.ttl_seconds(now)) for e in entries if e.expires_at > now]
        if live:
            self._deny_list.add(live)

    def is_revoked(self, jti: str, client_id: str = "", iat: int = 0) -> bool:
        """Whether the jti, or its client as of `iat`, is revoked. One round trip to Redis;
        the record is read only when Redis lost its data."""
        listed, complete = self._deny_list.check(jti, client_id, iat)
        if listed or complete:
            return listed
        self._keeper.recover()
        listed, complete = self._deny_list.check(jti, client_id, iat)
        if not complete and not listed:
            raise TemporarilyUnavailable(detail="the jti deny-list is incomplete")
        return listed
