"""Create and validate: the cookie value resolves to its session until it expires or idles out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from authgate_common.core.errors import LoginRequired
from session_service.domain.create import create_session
from session_service.domain.validate import validate_session


def test_created_session_validates_with_its_token(world) -> None:
    session, token = create_session(world.deps, "u1", "203.0.113.7", "Firefox", ["pwd"])
    seen = validate_session(world.deps, token)
    assert (seen.sid, seen.user_id, seen.amr, seen.client_ip) == (session.sid, "u1", ("pwd",), "203.0.113.7")
    assert seen.auth_time == session.created_at
    assert (session.expires_at - session.created_at).total_seconds() == world.lifetime


def test_token_and_sid_are_unguessable_and_distinct(world) -> None:
    session, token = create_session(world.deps, "u1", "", "", [])
    assert len(token) >= 43 and token != session.sid
    # 128 bits as hex: an operator can pass it to `authgate session revoke` as is (no leading "-").
    assert re.fullmatch(r"[0-9a-f]{32}", session.sid)
    other, other_token = create_session(world.deps, "u1", "", "", [])
    assert other.sid != session.sid and other_token != token


@pytest.mark.parametrize("token", ["", "nope", "x" * 5000, "\ud800"])
def test_unknown_or_malformed_token_is_login_required(world, token: str) -> None:
    with pytest.raises(LoginRequired) as err:
        validate_session(world.deps, token)
    assert err.value.error == "login_required"
    assert err.value.description == "session is not valid"


def test_session_dies_at_absolute_expiry_however_active(world) -> None:
    session, token = create_session(world.deps, "u1", "", "", ["pwd"])
    while world.clock.now + timedelta(seconds=world.idle // 2) < session.expires_at:
        world.clock.advance(world.idle // 2)
        validate_session(world.deps, token)
    world.clock.now = session.expires_at - timedelta(seconds=1)
    validate_session(world.deps, token)
    # Presence never outlives the absolute expiry, whatever the idle window says.
    assert world.kv.ttl(f"tok:{session.token_hash}") <= 1
    world.clock.now = session.expires_at
    with pytest.raises(LoginRequired):
        validate_session(world.deps, token)


def test_session_dies_when_idle_longer_than_the_timeout(world) -> None:
    _, token = create_session(world.deps, "u1", "", "", [])
    world.clock.advance(world.idle + 1)
    with pytest.raises(LoginRequired):
        validate_session(world.deps, token)


def test_each_validation_slides_the_idle_window(world) -> None:
    _, token = create_session(world.deps, "u1", "", "", [])
    for _ in range(5):
        world.clock.advance(world.idle - 10)
        assert validate_session(world.deps, token).last_seen_at == world.clock.now


def test_last_seen_reaches_the_record_lazily(world) -> None:
    session, token = create_session(world.deps, "u1", "", "", [])
    for _ in range(10):
        world.clock.advance(1)
        validate_session(world.deps, token)
    assert [c for c in world.uow.calls if c[0] == "touch"] == []
    world.clock.advance(world.write_interval)
    validate_session(world.deps, token)
    assert world.row(session.sid).last_seen_at == world.clock.now
    assert len([c for c in world.uow.calls if c[0] == "touch"]) == 1


def test_record_never_sees_the_raw_token(world) -> None:
    session, token = create_session(world.deps, "u1", "198.51.100.1", "curl", ["pwd"])
    validate_session(world.deps, token)
    world.kv.data.clear()
    validate_session(world.deps, token)
    assert token not in repr(world.uow.rows) and token not in repr(world.uow.calls)
    assert token not in repr(world.kv.data)
    assert world.row(session.sid).token_hash != token
