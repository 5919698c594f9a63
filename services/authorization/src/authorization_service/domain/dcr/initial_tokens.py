"""Initial access tokens (RFC 7591 §3, §1.2): the operator mints one (CreateInitialAccessToken)
and gives it to whoever may register clients; each registration spends one of its uses.

A token is 256 random bits, returned once; only its keyed hash is stored, with its expiry
and the uses it has left, so a copy of the table registers nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from authgate_common.core.admin_api import BY_OPERATOR
from authgate_common.core.crypto import keyed_hash, random_token
from authgate_common.core.errors import InvalidRequest

from ..ports import Clock
from .ports import DcrUnitOfWork, InitialAccessToken

DEFAULT_TTL = timedelta(days=1)
MAX_TTL = timedelta(days=366)
MAX_USES = 100_000


@dataclass(frozen=True)
class Minted:
    token: str
    expires_at: datetime


class InitialTokens:
    def __init__(self, uow: DcrUnitOfWork, key: bytes, clock: Clock) -> None:
        self._uow, self._key, self._clock = uow, key, clock

    def hash(self, token: str) -> str:
        return keyed_hash(self._key, token)

    def mint(self, ttl: timedelta | None = None, uses: int = 0) -> Minted:
        """A new token valid for `ttl` (unset: a day) and `uses` registrations (0: one)."""
        ttl = ttl or DEFAULT_TTL
        if ttl <= timedelta(0) or ttl > MAX_TTL:
            raise InvalidRequest("ttl must be positive and at most 366 days.")
        if uses < 0 or uses > MAX_USES:
            raise InvalidRequest(f"uses must be 0-{MAX_USES} (0: one).")
        token = random_token(32)
        now = self._clock.now()
        row = InitialAccessToken(self.hash(token), now, now + ttl, uses or 1)
        with self._uow() as tx:
            tx.initial_tokens.add(row)
            tx.audit.record(BY_OPERATOR.event("client.initial_token_created", "", uses=row.uses_left,
                                              expires_at=row.expires_at.isoformat()))
        return Minted(token, row.expires_at)

