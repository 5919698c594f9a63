"""Login: a verified password starts a new session; every failure looks the same."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import TemporarilyUnavailable
from identity_fakes import PASSWORD, Core
from identity_service.domain.login import WrongCredentials


def test_a_login_starts_a_session_with_amr_pwd(core: Core) -> None:
    user = core.user()
    started = core.login("alice", PASSWORD, "203.0.113.7", "UA/1.0")
    assert started.user_id == user.id and started.token and started.sid
    assert core.sessions.created == [(user.id, "203.0.113.7", "UA/1.0", ("pwd",))]


def test_each_login_is_a_new_session(core: Core) -> None:
    core.user()
    one = core.login("alice", PASSWORD, "", "")
    two = core.login("alice", PASSWORD, "", "")
    assert one.sid != two.sid and one.token != two.token


def test_the_user_agent_is_truncated(core: Core) -> None:
    core.user()
    core.login("alice", PASSWORD, "", "x" * 5000)
    assert len(core.sessions.created[0][2]) == 512


def test_unknown_wrong_and_disabled_fail_identically(core: Core) -> None:
    user = core.user()
    core.user("bob")
    core.directory.disable(core.directory.get_by_username("bob").id)
    errors = []
    for username, password in [("ghost", PASSWORD), ("alice", "wrong-password"), ("bob", PASSWORD)]:
        with pytest.raises(WrongCredentials) as err:
            core.login(username, password, "", "")
        errors.append((err.value.status_code, err.value.to_dict()))
    assert errors[0] == errors[1] == errors[2]
    assert errors[0] == (401, {"error": "access_denied", "error_description": "Wrong username or password."})
    assert core.sessions.created == [] and user.id


def test_disabling_a_user_ends_their_sessions(core: Core) -> None:
    user = core.user()
    assert core.directory.disable(user.id).disabled
    assert core.sessions.revoked == [user.id]


def test_disable_reports_sessions_it_could_not_end(core: Core) -> None:
    user = core.user()
    core.sessions.failure = TemporarilyUnavailable()
    with pytest.raises(TemporarilyUnavailable):
        core.directory.disable(user.id)
    assert core.directory.get(user.id).disabled  # retrying is safe: it stays disabled
