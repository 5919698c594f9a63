"""PKCE at redemption (RFC 7636 §4.5, §4.6): S256 verifier against the stored challenge."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidGrant, InvalidRequest
from authorization_fakes import REDIRECT
from authorization_service.domain.pkce import is_valid_verifier, s256


def test_rfc7636_appendix_b_example() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@pytest.mark.parametrize("verifier, ok", [
    ("a" * 43, True), ("a" * 128, True), ("a" * 42, False), ("a" * 129, False),
    ("A-._~z09" * 6, True), ("a" * 42 + "+", False), ("a" * 42 + "=", False), ("é" * 43, False)])
def test_verifier_syntax(verifier, ok) -> None:
    assert is_valid_verifier(verifier) is ok


def test_right_verifier_redeems(core, pkce) -> None:
    core.register()
    verifier, challenge = pkce
    code = core.issue_code(challenge)
    assert core.service.redeemer.redeem(code, "web", REDIRECT, verifier).client_id == "web"


@pytest.mark.parametrize("verifier, description", [
    ("", "code_verifier required"),
    ("short", "code_verifier is malformed"),
    ("b" * 43, "code_verifier does not match the code_challenge"),
])
def test_bad_or_missing_verifier_is_invalid_grant(core, pkce, verifier, description) -> None:
    core.register()
    code = core.issue_code(pkce[1])
    with pytest.raises(InvalidGrant) as exc:
        core.service.redeemer.redeem(code, "web", REDIRECT, verifier)
    assert exc.value.description == description


def test_challenge_as_verifier_is_refused(core, pkce) -> None:
    """Sending the challenge back (what `plain` would accept) does not work."""
    core.register()
    code = core.issue_code(pkce[1])
    with pytest.raises(InvalidGrant):
        core.service.redeemer.redeem(code, "web", REDIRECT, pkce[1])


def test_verifier_without_challenge_is_invalid_request(core, pkce) -> None:
    core.register(pkce_optional=True)
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params("", code_challenge_method=None))
    code = core.query(outcome.location)["code"]
    with pytest.raises(InvalidRequest):
        core.service.redeemer.redeem(code, "web", REDIRECT, pkce[0])


def test_no_challenge_no_verifier_redeems_for_pkce_optional_client(core) -> None:
    core.register(pkce_optional=True)
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params("", code_challenge_method=None))
    code = core.query(outcome.location)["code"]
    assert core.service.redeemer.redeem(code, "web", REDIRECT, "").client_id == "web"
