"""Presence is a cache: when it is missing or down, the record decides and presence is rebuilt."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import LoginRequired, TemporarilyUnavailable
from session_service.domain.create import create_session
from session_service.domain.lookup import get_session, list_sessions
from session_service.domain.revoke import revoke_session
from session_service.domain.validate import validate_session


def test_missing_presence_falls_back_to_the_record_and_repopulates(world) -> None:
    session, token = create_session(world.deps, "u1", "", "", ["pwd"])
    world.kv.data.clear()
    assert validate_session(world.deps, token).sid == session.sid
    assert world.kv.get(f"tok:{session.token_hash}") is not None
    assert world.kv.get(f"sid:{session.sid}") == session.token_hash
    reads = [c for c in world.uow.calls if c[0] == "get_by_token_hash"]
    validate_session(world.deps, token)
    assert [c for c in world.uow.calls if c[0] == "get_by_token_hash"] == reads  # fast path again


def test_get_session_falls_back_to_the_record(world) -> None:
    session, _ = create_session(world.deps, "u1", "", "", [])
    world.kv.data.clear()
    assert get_session(world.deps, session.sid).user_id == "u1"
    assert world.kv.get(f"sid:{session.sid}") == session.token_hash


def test_record_fallback_still_enforces_the_idle_timeout(world) -> None:
    session, token = create_session(world.deps, "u1", "", "", [])
    world.clock.advance(world.idle + 1)
    world.kv.data.clear()
    world.assert_ended(session.sid, token)


def test_store_down_means_the_record_decides(world) -> None:
    session, token = create_session(world.deps, "u1", "", "", [])
    world.kv.down = True
    assert validate_session(world.deps, token).sid == session.sid
    assert get_session(world.deps, session.sid).sid == session.sid
    assert [s.sid for s in list_sessions(world.deps, "u1")] == [session.sid]


def test_revoke_with_store_down_is_recorded_and_reported_unavailable(world) -> None:
    session, token = create_session(world.deps, "u1", "", "", [])
    world.kv.down = True
    with pytest.raises(TemporarilyUnavailable):
        revoke_session(world.deps, session.sid)
    assert world.row(session.sid).revoked_at is not None
    world.kv.down = False
    revoke_session(world.deps, session.sid)  # the retry finishes the job
    with pytest.raises(LoginRequired):
        validate_session(world.deps, token)


def test_list_sessions_reports_the_fresher_last_seen_from_presence(world) -> None:
    older, _ = create_session(world.deps, "u1", "", "laptop", [])
    world.clock.advance(10)
    newer, token = create_session(world.deps, "u1", "", "phone", [])
    world.clock.advance(5)
    validate_session(world.deps, token)
    listed = list_sessions(world.deps, "u1")
    assert [s.sid for s in listed] == [newer.sid, older.sid]
    assert listed[0].last_seen_at == world.clock.now
    assert world.row(newer.sid).last_seen_at < world.clock.now  # not yet written back
