"""Minting, finding and revoking refresh tokens (RFC 6749 §1.5, §6; RFC 9700 §4.14.2).

Values are opaque and 256-bit (nothing to parse or forge) and stored as an HMAC under a
key derived for this purpose only. Revoking a family also revokes every access token it
issued: recorded in the same transaction, then pushed to the deny-list once that has
committed, so a crash never leaves a revocation that only Redis knows (a push that fails
after the commit is made good by the deny-list sync, deny_list.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from authgate_common.core.audit import AuditEvent
from authgate_common.core.crypto import keyed_hash, random_token

from ..revocation.grant_ledger import GrantLedger
from ..revocation.jti_record import JtiEntry
from .refresh_store import RefreshFamily, RefreshRepository, RefreshToken, RefreshUnitOfWork, refresh_event

MAX_REFRESH_TOKEN_CHARS = 512  # ours are 43; longer input is refused before hashing


@dataclass(frozen=True)
class FamilyStart:
    client_id: str
    user_id: str
    sid: str
    grant_id: str
    scopes: Sequence[str]
    auth_time: int | None = None
    amr: Sequence[str] = ()
    resources: Sequence[str] = ()  # RFC 8707
    dpop_jkt: str = ""  # RFC 9449 §5: bind the family (public clients only: bound_family_jkt)


def bound_family_jkt(client_public: bool, dpop_jkt: str) -> str:
    """RFC 9449 §5: a public client's refresh tokens are bound to the DPoP key of the request
    that started the family; a confidential client's are not (it authenticates instead)."""
    return dpop_jkt if client_public else ""


class RefreshTokens:
    def __init__(self, uow: RefreshUnitOfWork, hash_key: bytes, ttl: timedelta, ledger: GrantLedger,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._uow = uow
        self._key = hash_key
        self._ttl = ttl
        self._ledger = ledger
        self._clock = clock
        # What each open transaction (by its repository) revoked, pushed once it commits.
        self._denied: dict[int, list[JtiEntry]] = {}

    def now(self) -> datetime:
        return self._clock()

    def hash(self, raw: str) -> str:
        return keyed_hash(self._key, raw)

    @contextmanager
    def transaction(self) -> Iterator[RefreshRepository]:
        denied: list[JtiEntry] = []
        with self._uow() as repo:
            self._denied[id(repo)] = denied
            try:
                yield repo
            finally:
                del self._denied[id(repo)]
        self._ledger.deny(denied)

    def start_family(self, repo: RefreshRepository, start: FamilyStart) -> tuple[str, RefreshToken]:
        now = self.now()
        family = RefreshFamily(family_id=secrets.token_urlsafe(16), client_id=start.client_id,
                               user_id=start.user_id, sid=start.sid, grant_id=start.grant_id,
                               created_at=now, auth_time=start.auth_time, amr=tuple(start.amr),
                               resources=tuple(start.resources), dpop_jkt=start.dpop_jkt)
        repo.add_family(family)
        return self._add(repo, family.family_id, None, start.client_id, start.user_id, start.sid,
                         tuple(start.scopes), now)

    def successor(self, repo: RefreshRepository, parent: RefreshToken) -> tuple[str, RefreshToken]:
        """The next token of the chain: same family, grant and scopes, a fresh lifetime."""
        return self._add(repo, parent.family_id, parent.token_hash, parent.client_id, parent.user_id,
                         parent.sid, parent.scopes, self.now())

    def _add(self, repo: RefreshRepository, family_id: str, parent_hash: str | None, client_id: str,
             user_id: str, sid: str, scopes: tuple[str, ...], now: datetime) -> tuple[str, RefreshToken]:
        raw = random_token(32)
        token = RefreshToken(token_hash=self.hash(raw), family_id=family_id, parent_hash=parent_hash,
                             client_id=client_id, user_id=user_id, sid=sid, scopes=scopes,
                             created_at=now, expires_at=now + self._ttl)
        repo.add_token(token)
        return raw, token

    def revoke_family(self, repo: RefreshRepository, family_id: str, reason: str,
                      event: AuditEvent) -> None:
        """In a transaction of `transaction()`: its access tokens reach the deny-list on commit."""
        now = self.now()
        repo.revoke_family(family_id, reason, now)
        self._denied[id(repo)].extend(self._ledger.revoke_family(repo.jtis, family_id))
        repo.audit(event, now)

    def revoke_grant(self, grant_id: str) -> int:
        """A replayed code (RFC 9700 §4.2.4) also ends the refresh family it started."""
        with self.transaction() as repo:
            families = repo.families_of_grant(grant_id)
            for family_id in families:
                self.revoke_family(repo, family_id, "code_replay", refresh_event(
                    "code_replay_family_revoked", family_id=family_id, detail={"grant_id": grant_id}))
        return len(families)

    def find(self, raw: str) -> tuple[RefreshToken, RefreshFamily] | None:
        """The token and its family, whatever their state; None for what we never issued."""
        if not raw or len(raw) > MAX_REFRESH_TOKEN_CHARS:
            return None
        with self.transaction() as repo:
            token = repo.get_token(self.hash(raw))
            family = repo.get_family(token.family_id) if token else None
        return (token, family) if token and family else None
