"""Session events in the audit trail: who ended which session and why (ending one's own
device, signing out of this session only), written with the revocation itself."""

from __future__ import annotations

from session_service.domain.callers import Caller
from session_service.domain.create import create_session
from session_service.domain.my_sessions import end_my_session, logout


def test_ending_a_device_and_signing_out_here_name_the_user_and_the_reason(world) -> None:
    laptop, _ = create_session(world.deps, "alice", "203.0.113.5", "laptop", ["pwd"])
    phone, _ = create_session(world.deps, "alice", "", "phone", ["pwd"])
    caller = Caller(user_id="alice", sid=laptop.sid, by_cookie=True)
    end_my_session(world.deps, caller, phone.sid)
    assert logout(world.deps, caller, "current") == 1
    events = [(e.type, e.sid, e.actor, dict(e.details)) for e in world.uow.audit.events]
    assert events == [
        ("session.created", laptop.sid, "alice", {"amr": ["pwd"]}),
        ("session.created", phone.sid, "alice", {"amr": ["pwd"]}),
        ("session.revoked", phone.sid, "alice", {"reason": "revoked_by_user", "scope": "one"}),
        ("session.revoked", laptop.sid, "alice", {"reason": "logout", "scope": "one"}),
        ("session.logout", laptop.sid, "alice", {"scope": "current", "ended": 1}),
    ]
    assert world.uow.audit.events[0].source == "203.0.113.5"
    assert all(e.subject == "alice" for e in world.uow.audit.events)
