"""`authgate user mfa-required on|off` and `authgate user mfa-reset` against a fake
identity service (the operator's side of issue 19's second factors)."""

from __future__ import annotations


def test_mfa_required_turns_on_and_off_by_username_or_id(services, run, create_user):
    assert create_user("alice").code == 0
    on = run("--json", "user", "mfa-required", "on", "--username", "alice")
    assert on.code == 0, on.err
    assert on.json()["mfa_required"] is True and services.identity.users["u1"].mfa_required
    off = run("user", "mfa-required", "off", "--id", "u1")
    assert off.code == 0, off.err
    assert "mfa_required:" in off.out and not services.identity.users["u1"].mfa_required


def test_mfa_reset_removes_the_factors_and_says_how_many(services, run, create_user):
    assert create_user("bob").code == 0
    services.identity.users["u1"].mfa_methods.extend(["totp", "webauthn"])
    result = run("--json", "user", "mfa-reset", "--username", "bob")
    assert result.code == 0, result.err
    assert result.json()["removed"] == 2 and result.json()["mfa_methods"] == []


def test_mfa_commands_need_a_user_and_a_state(services, run):
    assert run("user", "mfa-required", "maybe", "--username", "x").code != 0
    assert run("user", "mfa-reset").code != 0
    missing = run("user", "mfa-reset", "--username", "nobody")
    assert missing.code == 1 and "not_found" in missing.err
