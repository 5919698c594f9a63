"""The caller's own devices and logout, as the public routes drive them: cookie or bearer
caller, someone else's session indistinguishable from an unknown one."""

from __future__ import annotations

import pytest
from authgate_common.admin_http import bearer_token
from authgate_common.core.access_tokens import TokenInfo
from authgate_common.core.errors import (
    AccessDenied,
    InsufficientScope,
    InvalidRequest,
    InvalidToken,
    NotFound,
)
from session_service.domain.callers import caller_from_cookie, caller_from_token
from session_service.domain.create import create_session
from session_service.domain.my_sessions import end_my_session, logout, my_sessions
from session_service.domain.validate import validate_session


def test_cookie_caller_sees_own_devices_with_the_current_flagged(world) -> None:
    laptop, token = create_session(world.deps, "alice", "", "laptop", [])
    phone, _ = create_session(world.deps, "alice", "", "phone", [])
    create_session(world.deps, "bob", "", "bob's", [])
    caller = caller_from_cookie(world.deps, token)
    devices = my_sessions(world.deps, caller)
    assert {(d.session.sid, d.current) for d in devices} == {(laptop.sid, True), (phone.sid, False)}


@pytest.mark.parametrize("cookie", [None, "", "forged", "x" * 5000])
def test_no_or_bad_cookie_is_an_unauthenticated_caller(world, cookie: str | None) -> None:
    with pytest.raises(InvalidToken) as err:
        caller_from_cookie(world.deps, cookie)
    assert err.value.metadata.get("no_token")  # the bare RFC 6750 challenge


ACCOUNT_API = "http://id.test/api/v1/account"


def test_bearer_caller_needs_account_its_audience_and_a_session(world) -> None:
    world.tokens.known.update({
        "good": TokenInfo("alice", "sid-1", ("openid", "account"), ("web", ACCOUNT_API)),
        "read-only": TokenInfo("alice", "sid-1", ("openid", "read"), ("web", "urn:authgate:api")),
        "machine": TokenInfo("svc", "", ("account",), ("svc", ACCOUNT_API)),
        "other-api": TokenInfo("alice", "sid-1", ("account",), ("web", "urn:authgate:api")),
    })
    caller = caller_from_token(world.tokens, "good", ACCOUNT_API)
    assert (caller.user_id, caller.sid, caller.by_cookie) == ("alice", "sid-1", False)
    with pytest.raises(InsufficientScope) as err:
        caller_from_token(world.tokens, "read-only", ACCOUNT_API)
    assert err.value.metadata == {"scope": "account"}
    with pytest.raises(AccessDenied):
        caller_from_token(world.tokens, "machine", ACCOUNT_API)
    with pytest.raises(InvalidToken):
        caller_from_token(world.tokens, "other-api", ACCOUNT_API)
    with pytest.raises(InvalidToken):
        caller_from_token(world.tokens, "unknown", ACCOUNT_API)


@pytest.mark.parametrize(("header", "expected"), [
    (None, None), ("Basic dTpw", None), ("Bearer abc", "abc"), ("bearer  abc ", "abc")])
def test_bearer_header(header: str | None, expected: str | None) -> None:
    assert bearer_token(header) == expected


def test_empty_bearer_is_invalid_token() -> None:
    with pytest.raises(InvalidToken):
        bearer_token("Bearer ")


def test_ending_a_device_of_someone_else_is_not_found(world) -> None:
    mine, my_token = create_session(world.deps, "alice", "", "", [])
    theirs, their_token = create_session(world.deps, "bob", "", "", [])
    caller = caller_from_cookie(world.deps, my_token)
    with pytest.raises(NotFound):
        end_my_session(world.deps, caller, theirs.sid)
    with pytest.raises(NotFound):
        end_my_session(world.deps, caller, "no-such-sid")
    assert validate_session(world.deps, their_token).sid == theirs.sid
    end_my_session(world.deps, caller, mine.sid)
    assert my_sessions(world.deps, caller) == []


def test_global_logout_ends_every_session_of_the_user_only(world) -> None:
    _, token = create_session(world.deps, "alice", "", "", [])
    create_session(world.deps, "alice", "", "", [])
    _, bobs = create_session(world.deps, "bob", "", "", [])
    caller = caller_from_cookie(world.deps, token)
    assert logout(world.deps, caller) == 2
    assert my_sessions(world.deps, caller) == []
    assert {r.user_id for r in world.published} == {"alice"}
    validate_session(world.deps, bobs)


def test_logout_of_the_current_session_only(world) -> None:
    current, token = create_session(world.deps, "alice", "", "", [])
    other, _ = create_session(world.deps, "alice", "", "", [])
    caller = caller_from_cookie(world.deps, token)
    assert logout(world.deps, caller, "current") == 1
    assert [d.session.sid for d in my_sessions(world.deps, caller)] == [other.sid]
    assert [r.sid for r in world.published] == [current.sid]
    with pytest.raises(InvalidRequest):
        logout(world.deps, caller, "everything")
