"""`authgate session list|revoke` against fake identity and session services."""

from __future__ import annotations

import json
import uuid

import pytest
from authgate.identity.v1 import identity_pb2

ALICE_ID = str(uuid.uuid4())
BOB_ID = str(uuid.uuid4())
HEADER = ["SID", "CREATED_AT", "LAST_SEEN_AT", "EXPIRES_AT", "CLIENT_IP", "USER_AGENT"]


@pytest.fixture
def people(services, session_service):
    """alice with a laptop and a phone session, bob with one; ids shaped like the real ones."""
    for user_id, name in [(ALICE_ID, "alice"), (BOB_ID, "bob")]:
        services.identity.users[user_id] = identity_pb2.User(
            id=user_id, username=name, email=f"{name}@example.com"
        )
    fake = session_service.servicer
    fake.add("sid-laptop", ALICE_ID, "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
    fake.add("sid-phone", ALICE_ID, "Mozilla/5.0 (iPhone) Safari/604.1")
    fake.add("sid-bob", BOB_ID)
    return fake


def test_list_by_username_shows_only_that_users_sessions(people, run):
    result = run("session", "list", "--user", "alice")
    assert result.code == 0, result.err
    header, *rows = result.out.splitlines()
    assert header.split() == HEADER
    assert [r.split()[0] for r in rows] == ["sid-laptop", "sid-phone"]
    assert rows[0].split()[1:5] == [
        "2023-11-14T22:13:20Z",
        "2023-11-14T22:23:20Z",
        "2023-11-14T22:23:20Z",
        "203.0.113.7",
    ]
    assert rows[0].endswith("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")


def test_list_json_by_user_id(people, run):
    sessions = run("session", "list", "--user", ALICE_ID, "--json").json()
    assert [s["sid"] for s in sessions] == ["sid-laptop", "sid-phone"]
    assert sessions[1] == {
        "sid": "sid-phone",
        "user_id": ALICE_ID,
        "created_at": "2023-11-14T22:13:20Z",
        "last_seen_at": "2023-11-14T22:23:20Z",
        "expires_at": "2023-11-14T22:23:20Z",
        "auth_time": "2023-11-14T22:13:20Z",
        "client_ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (iPhone) Safari/604.1",
        "amr": ["pwd"],
    }


def test_a_username_shaped_like_an_id_still_resolves(people, services, run):
    odd = str(uuid.uuid4())  # no user has this id, but one is named so
    services.identity.users["u-odd"] = identity_pb2.User(id="u-odd", username=odd, email="odd@example.com")
    people.add("sid-odd", "u-odd")
    assert [s["sid"] for s in run("session", "list", "--user", odd, "--json").json()] == ["sid-odd"]


def test_a_user_without_sessions_gets_an_empty_list(people, services, run):
    services.identity.users["u-carol"] = identity_pb2.User(
        id="u-carol", username="carol", email="c@example.com"
    )
    assert run("session", "list", "--user", "carol", "--json").json() == []
    assert run("session", "list", "--user", "carol").out.split() == HEADER


def test_unknown_user_is_not_found(people, run):
    for who in ("mallory", str(uuid.uuid4())):
        result = run("session", "list", "--user", who)
        assert result.code == 1
        assert result.err.strip() == "authgate: not_found: No such user."


def test_revoke_one_session(people, run):
    result = run("session", "revoke", "sid-phone", "--json")
    assert result.code == 0, result.err
    assert result.json() == {"sid": "sid-phone", "revoked": True}
    assert people.revoked == ["sid-phone"]
    assert [s["sid"] for s in run("session", "list", "--user", "alice", "--json").json()] == ["sid-laptop"]


def test_revoke_text_output(people, run):
    result = run("session", "revoke", "sid-phone")
    assert result.code == 0, result.err
    assert result.out.splitlines() == ["sid:     sid-phone", "revoked: yes"]


def test_revoke_with_user_refuses_someone_elses_session(people, run):
    result = run("session", "revoke", "sid-bob", "--user", "alice")
    assert result.code == 1
    assert result.err.strip() == "authgate: not_found: session not found"
    assert people.revoked == [] and "sid-bob" in people.sessions
    assert run("session", "revoke", "sid-bob", "--user", "bob").code == 0
    assert people.revoked == ["sid-bob"]


def test_revoke_unknown_session_is_not_found(people, run):
    result = run("session", "revoke", "no-such-sid", "--json")
    assert result.code == 1 and result.out == ""
    assert json.loads(result.err) == {"error": "not_found", "error_description": "session not found"}


def test_revoke_every_session_of_a_user(people, run):
    result = run("session", "revoke", "--user", "alice", "--all", "--json")
    assert result.code == 0, result.err
    assert result.json() == {"user_id": ALICE_ID, "revoked": ["sid-laptop", "sid-phone"]}
    assert list(people.sessions) == ["sid-bob"]
    again = run("session", "revoke", "--user", ALICE_ID, "--all")
    assert again.code == 0 and again.out.splitlines() == [f"user_id: {ALICE_ID}", "revoked: -"]


def test_all_needs_a_user(people, run):
    result = run("session", "revoke", "--all")
    assert result.code == 1
    assert result.err.startswith("authgate: invalid_request: --all")
    assert people.revoked == []


@pytest.mark.parametrize(
    "argv",
    [
        ("session", "revoke"),  # neither a sid nor --all
        ("session", "revoke", "sid-phone", "--all", "--user", "alice"),  # both
        ("session", "list"),  # no --user
    ],
)
def test_usage_errors_exit_2_and_touch_nothing(people, run, argv):
    result = run(*argv)
    assert result.code == 2 and "usage:" in result.err
    assert people.revoked == []


def test_unreachable_session_service_is_exit_2(people, run, dead_target, session_service):
    result = run("session", "revoke", "sid-phone", "--session-target", dead_target)
    assert result.code == 2
    assert f"cannot reach the session service at {dead_target}" in result.err
    assert "Traceback" not in result.err
    # The flag won over SESSION_OPERATOR_TARGET, which still points at the live fake.
    assert run("session", "revoke", "sid-phone").code == 0
