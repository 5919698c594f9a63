"""Revocation: a revoked session never validates again, whatever presence still holds."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidRequest, LoginRequired, NotFound
from session_service.domain.create import create_session
from session_service.domain.lookup import list_sessions
from session_service.domain.revoke import revoke_session, revoke_user_sessions
from session_service.domain.validate import validate_session


def test_revoked_session_no_longer_validates_nor_resolves(world) -> None:
    session, token = create_session(world.deps, "u1", "", "", [])
    revoke_session(world.deps, session.sid)
    world.assert_ended(session.sid, token)
    assert world.row(session.sid).revoked_at == world.clock.now


def test_revoked_marker_wins_over_stale_presence(world) -> None:
    session, token = create_session(world.deps, "u1", "", "", [])
    stale = dict(world.kv.data)  # presence as a lagging replica or a racing writer left it
    revoke_session(world.deps, session.sid)
    world.kv.data.update({k: v for k, v in stale.items() if k.startswith(("tok:", "sid:", "seen:"))})
    world.assert_ended(session.sid, token)


def test_record_keeps_the_session_revoked_when_presence_is_lost(world) -> None:
    session, token = create_session(world.deps, "u1", "", "", [])
    revoke_session(world.deps, session.sid)
    world.kv.data.clear()
    world.assert_ended(session.sid, token)


def test_revoking_another_users_session_is_not_found_and_changes_nothing(world) -> None:
    session, token = create_session(world.deps, "alice", "", "", [])
    with pytest.raises(NotFound):
        revoke_session(world.deps, session.sid, user_id="mallory")
    assert validate_session(world.deps, token).sid == session.sid
    revoke_session(world.deps, session.sid, user_id="alice")
    with pytest.raises(LoginRequired):
        validate_session(world.deps, token)


def test_revoke_is_idempotent_and_unknown_sid_is_not_found(world) -> None:
    session, _ = create_session(world.deps, "u1", "", "", [])
    revoke_session(world.deps, session.sid)
    first = world.row(session.sid).revoked_at
    world.clock.advance(5)
    revoke_session(world.deps, session.sid)
    assert world.row(session.sid).revoked_at == first
    with pytest.raises(NotFound):
        revoke_session(world.deps, "no-such-sid")


def test_revoke_user_sessions_ends_every_session_of_that_user_only(world) -> None:
    mine = [create_session(world.deps, "u1", "", f"device {i}", []) for i in range(3)]
    theirs, their_token = create_session(world.deps, "u2", "", "", [])
    sids = revoke_user_sessions(world.deps, "u1")
    assert sorted(sids) == sorted(s.sid for s, _ in mine)
    for _, token in mine:
        with pytest.raises(LoginRequired):
            validate_session(world.deps, token)
    assert validate_session(world.deps, their_token).sid == theirs.sid
    assert list_sessions(world.deps, "u1") == []
    assert revoke_user_sessions(world.deps, "u1") == []
    with pytest.raises(InvalidRequest):
        revoke_user_sessions(world.deps, "")
