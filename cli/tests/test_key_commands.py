"""`authgate keys list|rotate` against a fake token service."""

from __future__ import annotations


def test_list_shows_states_and_dates(token_service, run):
    result = run("keys", "list")
    assert result.code == 0, result.err
    header, *rows = result.out.splitlines()
    assert header.split() == ["KID", "STATE", "CREATED_AT", "ACTIVATED_AT", "RETIRED_AT", "PUBLISHED_UNTIL"]
    assert [r.split()[:2] for r in rows] == [["kid-1", "current"], ["kid-2", "next"]]


def test_list_json(token_service, run):
    keys = run("keys", "list", "--json").json()
    assert keys[0] == {
        "kid": "kid-1",
        "alg": "RS256",
        "state": "current",
        "created_at": "2023-11-14T22:13:20Z",
        "activated_at": "2023-11-14T22:13:20Z",
        "retired_at": None,
        "published_until": None,
    }
    assert keys[1]["state"] == "next" and keys[1]["activated_at"] is None


def test_forced_rotation(token_service, run):
    result = run("keys", "rotate", "--force", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["rotated"] is True and data["current_kid"] == "kid-2"
    assert [(k["kid"], k["state"]) for k in data["keys"]] == [
        ("kid-1", "retired"),
        ("kid-2", "current"),
        ("kid-3", "next"),
    ]
    assert data["keys"][0]["published_until"] == "2023-11-14T22:23:20Z"
    assert token_service.servicer.requests[-1].force is True


def test_rotation_that_must_wait_exits_1_and_says_when(token_service, run):
    result = run("keys", "rotate")
    assert result.code == 1
    assert token_service.servicer.requests[-1].force is False
    assert "rotated:" in result.out and "no" in result.out.splitlines()[0]
    assert "not_before:  2023-11-14T22:23:20Z" in result.out
    assert result.err.startswith("authgate: not_rotated:") and "--force" in result.err
    assert [k.state for k in token_service.servicer.keys] == ["current", "next"]


def test_rotation_when_due_without_force(token_service, run):
    token_service.servicer.ready = True
    result = run("keys", "rotate")
    assert result.code == 0, result.err
    assert result.out.splitlines()[:2] == ["rotated:     yes", "current_kid: kid-2"]
    assert "kid-3" in result.out and result.err == ""


def test_token_target_flag_beats_the_environment(token_service, run, dead_target, monkeypatch):
    monkeypatch.setenv("TOKEN_OPERATOR_TARGET", dead_target)
    unreachable = run("keys", "list")
    assert unreachable.code == 2
    assert f"cannot reach the token service at {dead_target}" in unreachable.err
    assert run("keys", "list", "--token-target", token_service.target).code == 0
