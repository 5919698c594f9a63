"""Bad input to CreateSession is a clear invalid_request, never a crash."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidRequest, NotFound
from session_service.domain.create import create_session
from session_service.domain.lookup import get_session, list_sessions


@pytest.mark.parametrize(("user_id", "amr"), [
    ("", ["pwd"]), ("u" * 256, ["pwd"]), ("u1", [""]), ("u1", ["x" * 33]), ("u1", ["pwd"] * 9),
    ("u1", ["p\nwd"]),
])
def test_bad_create_input_is_invalid_request(world, user_id: str, amr: list[str]) -> None:
    with pytest.raises(InvalidRequest):
        create_session(world.deps, user_id, "", "", amr)
    assert world.uow.rows == {}


def test_long_client_fields_are_truncated_not_refused(world) -> None:
    session, _ = create_session(world.deps, "u1", "9" * 100, "A" * 2000, ["pwd", "mfa"])
    assert len(session.client_ip) == 64 and len(session.user_agent) == 512


@pytest.mark.parametrize("sid", ["", "nope", "s" * 500])
def test_unknown_sid_is_not_found(world, sid: str) -> None:
    with pytest.raises(NotFound):
        get_session(world.deps, sid)


def test_listing_an_unknown_user_is_empty(world) -> None:
    assert list_sessions(world.deps, "nobody") == []
    assert list_sessions(world.deps, "") == []
