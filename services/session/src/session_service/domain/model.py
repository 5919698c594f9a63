"""An SSO session and the rules that decide whether it is still alive.

OpenID Connect Session Management 1.0 §2 and Front-Channel Logout 1.0 §3 give a
session a public identifier (`sid`) that tokens carry; the cookie value that proves
possession of the session is a separate secret, stored only as a keyed hash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    lifetime: timedelta
    idle_timeout: timedelta
    # Coarse write-back of last_seen_at: the record need not track every request.
    last_seen_write_interval: timedelta
    # How long validators must remember a revoked session: at least the longest
    # access-token lifetime, since a token minted just before revocation lives that long.
    revocation_window: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class Session:
    sid: str
    token_hash: str
    user_id: str
    client_ip: str
    user_agent: str
    amr: tuple[str, ...]
    created_at: datetime
    auth_time: datetime
    expires_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    def idle_deadline(self, policy: Policy) -> datetime:
        return min(self.last_seen_at + policy.idle_timeout, self.expires_at)

    def is_live(self, now: datetime, policy: Policy) -> bool:
        return self.revoked_at is None and now < self.idle_deadline(policy)

    def presence_ttl(self, now: datetime, policy: Policy) -> int:
        """Seconds the fast-path keys may live: never past the idle or absolute deadline."""
        return seconds_until(self.idle_deadline(policy), now)


def seconds_until(when: datetime, now: datetime) -> int:
    return max(1, math.ceil((when - now).total_seconds()))


@dataclass(frozen=True)
class Revocation:
    """What a validator needs to know about a revoked session, and until when."""

    sid: str
    user_id: str
    revoked_at: datetime
    # revoked_at + the revocation window: no token bound to the session outlives this.
    forget_at: datetime

    @classmethod
    def of(cls, session: Session, revoked_at: datetime, policy: Policy) -> Revocation:
        return cls(session.sid, session.user_id, revoked_at, revoked_at + policy.revocation_window)
