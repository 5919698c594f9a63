"""ValidateSession: resolve a cookie value to its live session, sliding the idle window.

Presence (Redis) is read first; a revocation marker there wins over any presence key,
and a missing key falls back to the record (PostgreSQL), which alone decides. The
cookie value is compared only as its keyed hash (RFC 6819 §5.1.4.1.3).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from .context import MAX_TOKEN_LENGTH, Deps, refresh_presence, session_invalid
from .model import Session
from .ports import PresenceUnavailable, Seen


def _from_presence(deps: Deps, token_hash: str) -> tuple[Session, Seen] | None:
    try:
        hit = deps.presence.by_token(token_hash)
        if hit is not None and deps.presence.is_revoked(hit[0].sid):
            raise session_invalid()
        return hit
    except PresenceUnavailable:
        return None


def _from_record(deps: Deps, token_hash: str) -> tuple[Session, Seen]:
    with deps.uow() as repo:
        session = repo.get_by_token_hash(token_hash)
    if session is None:
        raise session_invalid()
    return session, Seen(at=session.last_seen_at, persisted=session.last_seen_at)


def _slide(deps: Deps, session: Session, seen: Seen, now: datetime) -> Session:
    persisted = seen.persisted
    if now - persisted >= deps.policy.last_seen_write_interval:
        with deps.uow() as repo:
            repo.touch(session.sid, now)
        persisted = now
    live = replace(session, last_seen_at=now)
    refresh_presence(deps, live, Seen(at=now, persisted=persisted))
    return live


def validate_session(deps: Deps, token: str) -> Session:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise session_invalid()
    token_hash = deps.hash_token(token)
    session, seen = _from_presence(deps, token_hash) or _from_record(deps, token_hash)
    now = deps.clock()
    if not session.is_live(now, deps.policy):
        raise session_invalid()
    return _slide(deps, session, seen, now)
