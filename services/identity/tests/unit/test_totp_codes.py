"""TOTP codes (RFC 6238): six digits per 30-second step, one step of drift either way,
each step accepted once (the factor's last step and earlier ones are refused)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
from identity_service.domain.mfa import totp

NOW = datetime(2026, 12, 7, 12, 0, 10, tzinfo=UTC)
SECRET = totp.new_secret()


def code_at(when: datetime) -> str:
    return pyotp.TOTP(SECRET).at(when)


def test_a_new_secret_has_160_bits_in_base32() -> None:
    assert len(SECRET) == 32 and set(SECRET) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert totp.new_secret() != SECRET


def test_the_current_code_and_one_step_either_side_are_accepted() -> None:
    step = totp.step_at(NOW)
    for offset in (-1, 0, 1):
        when = NOW + timedelta(seconds=30 * offset)
        assert totp.accepted_step(SECRET, code_at(when), None, NOW) == step + offset


def test_codes_two_steps_away_are_refused() -> None:
    for offset in (-2, 2):
        assert totp.accepted_step(SECRET, code_at(NOW + timedelta(seconds=30 * offset)), None, NOW) is None


def test_a_replayed_code_or_an_earlier_one_is_refused() -> None:
    step = totp.accepted_step(SECRET, code_at(NOW), None, NOW)
    assert step is not None
    assert totp.accepted_step(SECRET, code_at(NOW), step, NOW) is None
    assert totp.accepted_step(SECRET, code_at(NOW - timedelta(seconds=30)), step, NOW) is None
    assert totp.accepted_step(SECRET, code_at(NOW + timedelta(seconds=30)), step, NOW) == step + 1


def test_spaces_and_dashes_are_ignored_and_anything_else_is_no_code() -> None:
    code = code_at(NOW)
    assert totp.accepted_step(SECRET, f" {code[:3]} {code[3:]} ", None, NOW) is not None
    assert totp.accepted_step(SECRET, f"{code[:3]}-{code[3:]}", None, NOW) is not None
    for junk in ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", code + "\x00"]:
        assert totp.accepted_step(SECRET, junk, None, NOW) is None


def test_the_provisioning_uri_names_the_issuer_and_the_account() -> None:
    uri = totp.provisioning_uri(SECRET, "alice", "authgate.example")
    assert uri.startswith("otpauth://totp/authgate.example:alice?")
    assert f"secret={SECRET}" in uri and "issuer=authgate.example" in uri
    assert totp.grouped("ABCDEFGH") == "ABCD EFGH"
