"""GetSession and ListSessions: read live sessions without touching them.

GetSession is the liveness check behind every token that carries a `sid`
(OIDC Front-Channel Logout 1.0 §3): a revocation marker wins, presence answers the
common case, and the record decides when presence has nothing.
"""

from __future__ import annotations

from dataclasses import replace

from .context import MAX_SID_LENGTH, Deps, refresh_presence, session_not_found
from .model import Session
from .ports import PresenceUnavailable, Seen


def _from_presence(deps: Deps, sid: str) -> Session | None:
    try:
        if deps.presence.is_revoked(sid):
            raise session_not_found()
        hit = deps.presence.by_sid(sid)
    except PresenceUnavailable:
        return None
    return hit[0] if hit is not None else None


def get_session(deps: Deps, sid: str) -> Session:
    if not sid or len(sid) > MAX_SID_LENGTH:
        raise session_not_found()
    session = _from_presence(deps, sid)
    if session is None:
        with deps.uow() as repo:
            session = repo.get_by_sid(sid)
        if session is not None and session.is_live(deps.clock(), deps.policy):
            refresh_presence(deps, session, Seen(session.last_seen_at, session.last_seen_at))
    if session is None or not session.is_live(deps.clock(), deps.policy):
        raise session_not_found()
    return session


def _last_seen(deps: Deps, session: Session) -> Session:
    """The record's last_seen_at lags by up to the write interval; presence is fresher."""
    try:
        seen = deps.presence.seen(session.sid)
    except PresenceUnavailable:
        return session
    if seen is not None and seen.at > session.last_seen_at:
        return replace(session, last_seen_at=seen.at)
    return session


def list_sessions(deps: Deps, user_id: str) -> list[Session]:
    if not user_id:
        return []
    now = deps.clock()
    with deps.uow() as repo:
        rows = repo.list_active(user_id, now)
    sessions = [_last_seen(deps, s) for s in rows]
    live = [s for s in sessions if s.is_live(now, deps.policy)]
    return sorted(live, key=lambda s: s.created_at, reverse=True)
