"""`authgate user create|list|disable` against a fake identity service."""

from __future__ import annotations

import getpass

import pytest


def test_create_with_password_stdin_prints_the_user(services, create_user):
    result = create_user("alice", stdin="correct horse battery\n")
    assert result.code == 0, result.err
    assert "username:" in result.out and "alice" in result.out
    assert "alice@example.com" in result.out and "u1" in result.out
    # One trailing newline is dropped, inner spaces are kept; the password is never echoed.
    assert services.identity.passwords["alice"] == "correct horse battery"
    assert "correct horse" not in result.out + result.err


def test_create_json_carries_every_field(services, run):
    result = run(
        "--json",
        "user",
        "create",
        "--username",
        "bob",
        "--email",
        "bob@example.com",
        "--name",
        "Bob B",
        "--given-name",
        "Bob",
        "--family-name",
        "B",
        "--email-verified",
        "--password-stdin",
        stdin="long-enough-pass",
    )
    assert result.code == 0, result.err
    user = result.json()
    assert user["username"] == "bob" and user["email"] == "bob@example.com"
    assert user["email_verified"] is True and user["given_name"] == "Bob" and user["disabled"] is False
    assert user["created_at"] == "2023-11-14T22:13:20Z"
    assert "password" not in user


def test_prompts_twice_on_a_terminal(services, run, monkeypatch):
    answers = iter(["typed-password", "typed-password"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    result = run("user", "create", "--username", "carol", "--email", "c@example.com", tty=True)
    assert result.code == 0, result.err
    assert services.identity.passwords["carol"] == "typed-password"


def test_mismatched_prompts_fail_before_any_call(services, run, monkeypatch):
    answers = iter(["one-password", "another-password"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    result = run("user", "create", "--username", "carol", "--email", "c@example.com", tty=True)
    assert result.code == 1
    assert result.err.strip() == "authgate: invalid_request: The passwords do not match."
    assert services.identity.users == {}


@pytest.mark.parametrize("stdin", ["", "\n"])
def test_empty_password_is_refused(services, run, stdin):
    result = run(
        "user", "create", "--username", "d", "--email", "d@example.com", "--password-stdin", stdin=stdin
    )
    assert result.code == 1 and "invalid_request" in result.err


def test_no_password_and_no_terminal_is_refused(services, run):
    result = run("user", "create", "--username", "d", "--email", "d@example.com", stdin="piped")
    assert result.code == 1 and "--password-stdin" in result.err


def test_list_as_table_and_json(services, run, create_user):
    for name in ("zoe", "adam", "mia"):
        assert create_user(name).code == 0
    table = run("user", "list")
    assert table.code == 0
    lines = table.out.splitlines()
    assert lines[0].split() == ["ID", "USERNAME", "EMAIL", "EMAIL_VERIFIED", "DISABLED"]
    assert [line.split()[1] for line in lines[1:]] == ["adam", "mia", "zoe"]

    limited = run("user", "list", "--limit", "2", "--json")
    assert [u["username"] for u in limited.json()] == ["adam", "mia"]


def test_list_limit_must_be_positive(services, run):
    assert run("user", "list", "--limit", "0").code == 2


def test_disable_by_username_and_by_id(services, run, create_user):
    assert create_user("erin").code == 0
    assert create_user("finn").code == 0
    by_name = run("--json", "user", "disable", "--username", "erin")
    assert by_name.code == 0 and by_name.json()["disabled"] is True
    by_id = run("user", "disable", "--id", "u2")
    assert by_id.code == 0 and services.identity.users["u2"].disabled


def test_disable_needs_exactly_one_of_id_or_username(services, run):
    assert run("user", "disable").code == 2
    assert run("user", "disable", "--id", "u1", "--username", "x").code == 2


def test_disable_unknown_user_is_not_found(services, run):
    result = run("user", "disable", "--username", "ghost")
    assert result.code == 1
    assert result.err.strip() == "authgate: not_found: No such user."
