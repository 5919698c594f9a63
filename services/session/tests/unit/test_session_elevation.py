"""ElevateSession (step-up): the union of methods, a new auth_time, a new cookie value
that alone works from then on, the sid kept; and RevokeUserSessions keeping one session."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidRequest, LoginRequired, TemporarilyUnavailable
from session_service.domain.create import create_session
from session_service.domain.elevate import elevate_session
from session_service.domain.lookup import get_session
from session_service.domain.revoke import revoke_session, revoke_user_sessions
from session_service.domain.validate import validate_session


def test_elevation_adds_the_methods_renews_auth_time_and_keeps_the_sid(world) -> None:
    session, token = create_session(world.deps, "alice", "203.0.113.5", "", ["pwd"])
    world.clock.advance(600)
    elevated, new_token = elevate_session(world.deps, token, ["otp", "mfa"])
    assert new_token != token and elevated.sid == session.sid
    assert elevated.amr == ("pwd", "otp", "mfa")
    assert elevated.auth_time == world.clock.now
    again = validate_session(world.deps, new_token)
    assert (again.sid, again.amr, again.auth_time) == (session.sid, ("pwd", "otp", "mfa"), world.clock.now)
    assert get_session(world.deps, session.sid).amr == ("pwd", "otp", "mfa")
    assert world.row(session.sid).amr == ("pwd", "otp", "mfa")


def test_the_old_cookie_value_is_refused_at_once(world) -> None:
    _, token = create_session(world.deps, "alice", "", "", ["pwd"])
    elevate_session(world.deps, token, ["otp", "mfa"])
    with pytest.raises(LoginRequired):
        validate_session(world.deps, token)
    world.kv.data.clear()  # the record alone refuses it too
    with pytest.raises(LoginRequired):
        validate_session(world.deps, token)
    with pytest.raises(LoginRequired):
        elevate_session(world.deps, token, ["otp", "mfa"])


def test_methods_already_held_are_not_repeated(world) -> None:
    _, token = create_session(world.deps, "alice", "", "", ["pwd", "otp", "mfa"])
    elevated, _ = elevate_session(world.deps, token, ["otp", "mfa"])
    assert elevated.amr == ("pwd", "otp", "mfa")


def test_elevation_is_audited_with_the_methods(world) -> None:
    session, token = create_session(world.deps, "alice", "203.0.113.5", "", ["pwd"])
    elevate_session(world.deps, token, ["otp", "mfa"])
    event = world.uow.audit.events[-1]
    assert (event.type, event.sid, event.actor, event.subject, event.source) == (
        "session.elevated", session.sid, "alice", "alice", "203.0.113.5")
    assert dict(event.details) == {"amr": ["pwd", "otp", "mfa"], "added": ["otp", "mfa"]}


def test_ended_or_unknown_sessions_cannot_be_elevated(world) -> None:
    session, token = create_session(world.deps, "alice", "", "", ["pwd"])
    revoke_session(world.deps, session.sid)
    with pytest.raises(LoginRequired):
        elevate_session(world.deps, token, ["otp", "mfa"])
    with pytest.raises(LoginRequired):
        elevate_session(world.deps, "not-a-session", ["otp"])
    _, idle = create_session(world.deps, "bob", "", "", ["pwd"])
    world.clock.advance(world.idle + 1)
    with pytest.raises(LoginRequired):
        elevate_session(world.deps, idle, ["otp"])


@pytest.mark.parametrize("amr", [[], [""], ["x" * 33], ["a", "b", "c", "d", "e", "f", "g", "h", "i"]])
def test_bad_methods_are_invalid_request(world, amr: list[str]) -> None:
    _, token = create_session(world.deps, "alice", "", "", ["pwd"])
    with pytest.raises(InvalidRequest):
        elevate_session(world.deps, token, amr)
    assert validate_session(world.deps, token).amr == ("pwd",)


def test_too_many_methods_after_the_union_are_invalid_request(world) -> None:
    _, token = create_session(world.deps, "alice", "", "", ["a", "b", "c", "d", "e"])
    with pytest.raises(InvalidRequest):
        elevate_session(world.deps, token, ["f", "g", "h", "i"])


def test_unreachable_presence_changes_nothing_and_asks_for_a_retry(world) -> None:
    session, token = create_session(world.deps, "alice", "", "", ["pwd"])
    validate_session(world.deps, token)
    world.kv.down = True
    with pytest.raises(TemporarilyUnavailable):
        elevate_session(world.deps, token, ["otp", "mfa"])
    world.kv.down = False
    assert validate_session(world.deps, token).amr == ("pwd",)
    assert world.row(session.sid).amr == ("pwd",)


def test_revoking_a_users_sessions_can_keep_one(world) -> None:
    here, here_token = create_session(world.deps, "alice", "", "laptop", ["pwd"])
    others = [create_session(world.deps, "alice", "", f"device {i}", ["pwd"]) for i in range(2)]
    sids = revoke_user_sessions(world.deps, "alice", keep_sid=here.sid)
    assert sorted(sids) == sorted(s.sid for s, _ in others)
    for _, token in others:
        with pytest.raises(LoginRequired):
            validate_session(world.deps, token)
    assert validate_session(world.deps, here_token).sid == here.sid
    assert [e.type for e in world.uow.audit.events].count("session.revoked") == 2


def test_keeping_someone_elses_sid_keeps_nothing(world) -> None:
    theirs, their_token = create_session(world.deps, "bob", "", "", ["pwd"])
    mine, _ = create_session(world.deps, "alice", "", "", ["pwd"])
    assert revoke_user_sessions(world.deps, "alice", keep_sid=theirs.sid) == [mine.sid]
    assert validate_session(world.deps, their_token).sid == theirs.sid
