"""The caller's own sessions (devices): list them, end one, end all (global logout).

Only the caller's sessions are visible: someone else's sid is answered exactly like
an unknown one (404), so sids cannot be probed. Ending sessions goes through the
same revocation as the internal API, so the revocation feed tells every validator.
"""

from __future__ import annotations

from dataclasses import dataclass

from authgate_common.core.audit import AuditEvent, StandaloneAudit
from authgate_common.core.errors import InvalidRequest

from .callers import Caller
from .context import Deps
from .lookup import list_sessions
from .model import Session
from .revoke import revoke_session, revoke_user_sessions

SCOPES = ("all", "current")


@dataclass(frozen=True)
class Device:
    session: Session
    current: bool


def my_sessions(deps: Deps, caller: Caller) -> list[Device]:
    return [Device(s, s.sid == caller.sid) for s in list_sessions(deps, caller.user_id)]


def end_my_session(deps: Deps, caller: Caller, sid: str) -> None:
    revoke_session(deps, sid, user_id=caller.user_id, reason="revoked_by_user")


def logout(deps: Deps, caller: Caller, scope: str = "all") -> int:
    """End the current session only, or every session of the user; returns how many ended."""
    if scope not in SCOPES:
        raise InvalidRequest("scope must be 'all' or 'current'")
    if scope == "current":
        revoke_session(deps, caller.sid, user_id=caller.user_id, reason="logout")
        ended = 1
    else:
        ended = len(revoke_user_sessions(deps, caller.user_id, reason="global_logout", actor=caller.user_id))
    StandaloneAudit(deps.uow).record(AuditEvent("session.logout", caller.user_id, caller.user_id,
                                                sid=caller.sid, details={"scope": scope, "ended": ended}))
    return ended
