"""RevokeSession and RevokeUserSessions: end sessions, record first.

The record (revoked_at) is written and committed before anything else, so a crash
in between leaves a session revoked, never alive. Then the revocation feed hears of
it (every validator drops the session's access tokens), and presence loses its keys
and gains a `revoked` marker that outlives any stale key until the session's
absolute expiry. A presence failure is reported (the caller retries; revoking is
idempotent and a retry republishes) because a stale presence key would keep the
session alive. Each session ended is audited (`session.revoked`, with the reason) in
the transaction that records it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from authgate_common.core import counters
from authgate_common.core.admin_api import Acting
from authgate_common.core.audit import OPERATOR, AuditEvent
from authgate_common.core.errors import InvalidRequest, TemporarilyUnavailable

from .context import MAX_SID_LENGTH, Deps, session_not_found
from .model import Revocation, Session, seconds_until
from .ports import PresenceUnavailable


def _announce(deps: Deps, sessions: list[Session], when: datetime) -> None:
    for _ in sessions:
        counters.revocations("session")
    if sessions:
        deps.publisher.publish([Revocation.of(s, s.revoked_at or when, deps.policy) for s in sessions])


def _forget(deps: Deps, sessions: list[Session]) -> None:
    now = deps.clock()
    try:
        for s in sessions:
            deps.presence.revoke(s.sid, s.token_hash, seconds_until(s.expires_at, now))
    except PresenceUnavailable as exc:
        raise TemporarilyUnavailable("session revoked; retry to finish",
                                     detail="presence store unavailable") from exc


def revoke_session(deps: Deps, sid: str, user_id: str = "", reason: str = "revoked",
                   actor: str | None = None, by: Acting | None = None) -> Session:
    """End one session (of `user_id` when given) and return it as it was before. The actor
    is the user when `user_id` is given, else an operator, unless named; an admin client
    acting (`by`) records `admin.session.revoked`."""
    if not sid or len(sid) > MAX_SID_LENGTH:
        raise session_not_found()
    now = deps.clock()
    with deps.uow() as repo:
        session = repo.get_by_sid(sid)
        # Someone else's session is indistinguishable from an unknown one.
        if session is None or (user_id and session.user_id != user_id):
            raise session_not_found()
        if session.revoked_at is None:
            repo.mark_revoked([sid], now, reason)
            repo.audit.record(_revoked(session, actor or user_id or OPERATOR, reason, "one", by))
    _announce(deps, [session], now)
    _forget(deps, [session])
    return session


def revoke_user_sessions(deps: Deps, user_id: str, reason: str = "user_sessions_revoked",
                         actor: str = OPERATOR, by: Acting | None = None,
                         keep_sid: str = "") -> list[str]:
    """End every session of the user but `keep_sid` (a password change keeping the one
    it was made in); an unknown keep_sid keeps nothing."""
    if not user_id:
        raise InvalidRequest("user_id is required")
    now = deps.clock()
    with deps.uow() as repo:
        sessions = [s for s in repo.list_active(user_id, now) if s.sid != keep_sid]
        if sessions:
            repo.mark_revoked([s.sid for s in sessions], now, reason)
        for s in sessions:
            repo.audit.record(_revoked(s, actor, reason, "all", by))
    _announce(deps, sessions, now)
    _forget(deps, sessions)
    return [s.sid for s in sessions]


def _revoked(session: Session, actor: str, reason: str, scope: str, by: Acting | None = None) -> AuditEvent:
    if by is not None:
        return replace(by.event("session.revoked", session.user_id, reason=reason, scope=scope),
                       sid=session.sid)
    return AuditEvent("session.revoked", session.user_id, actor, sid=session.sid,
                      details={"reason": reason, "scope": scope})
