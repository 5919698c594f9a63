"""Step-up by `acr_values` and by a client's require_mfa (OIDC Core §3.1.2.1, §2 `acr`;
RFC 9470): a session whose amr falls short goes back to the login page with the `acr`
hint and comes back to the same request; prompt=none gets interaction_required
(§3.1.2.6); the code carries the session's amr."""

from __future__ import annotations

import secrets
import urllib.parse
from dataclasses import replace
from datetime import timedelta

import pytest
from authgate_common.core.acr import ACR_MFA, ACR_PASSWORD
from authorization_service.domain.authorize.context import AuthorizeRequest, Redirect
from authorization_service.domain.models import SessionInfo

LOGIN = "/api/v1/sso/login"
PWD, MFA = ("pwd",), ("pwd", "otp", "mfa")


def signed_in(core, amr: tuple[str, ...] = PWD, age: int = 60) -> tuple[str, SessionInfo]:
    token = secrets.token_urlsafe(32)
    info = SessionInfo(sid="sid-" + secrets.token_hex(4), user_id="user-1",
                       auth_time=core.clock.now() - timedelta(seconds=age), amr=amr)
    core.sessions.tokens[token] = info
    return token, info


def elevate(core, token: str) -> str:
    """What identity's step-up does: same sid, amr with the second factor, auth_time now."""
    info = core.sessions.tokens.pop(token)
    new = secrets.token_urlsafe(32)
    core.sessions.tokens[new] = replace(info, amr=MFA, auth_time=core.clock.now())
    return new


def login_params(outcome) -> dict[str, str]:
    assert isinstance(outcome, Redirect), outcome
    path, _, query = outcome.location.partition("?")
    assert path == LOGIN, outcome.location
    return dict(urllib.parse.parse_qsl(query))


def come_back(core, return_to: str, cookie: str):
    pairs = tuple(urllib.parse.parse_qsl(urllib.parse.urlsplit(return_to).query))
    return core.service.authorize.handle(AuthorizeRequest(pairs, cookie, return_to))


def code_amr(core, outcome) -> tuple[str, ...]:
    assert core.query(outcome.location)["code"]
    (stored,) = core.uow.repos.codes.rows.values()
    return stored.amr


@pytest.mark.parametrize("acr_values", [ACR_MFA, f"urn:example:gold {ACR_MFA}", f"{ACR_MFA} {ACR_PASSWORD}"])
def test_acr_values_mfa_sends_a_password_session_to_the_login_page_with_the_hint(core, pkce, acr_values):
    core.register()
    cookie, _ = signed_in(core)
    params = core.valid_params(pkce[1], acr_values=acr_values)
    outcome = core.authorize(cookie=cookie, **params)
    hint = login_params(outcome)
    assert hint["acr"] == ACR_MFA
    assert core.query(hint["return_to"]) == params  # the very request, unchanged
    assert core.uow.repos.codes.rows == {}


def test_after_the_step_up_the_same_request_gets_a_code_with_the_new_amr(core, pkce):
    core.register()
    cookie, _ = signed_in(core)
    hint = login_params(core.authorize(cookie=cookie, **core.valid_params(pkce[1], acr_values=ACR_MFA)))
    assert code_amr(core, come_back(core, hint["return_to"], elevate(core, cookie))) == MFA


def test_a_client_registered_with_require_mfa_needs_it_without_acr_values(core, pkce):
    core.register(require_mfa=True)
    cookie, _ = signed_in(core)
    assert login_params(core.authorize(cookie=cookie, **core.valid_params(pkce[1])))["acr"] == ACR_MFA
    # Asking for less does not lower the client's policy.
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], acr_values=ACR_PASSWORD))
    assert login_params(outcome)["acr"] == ACR_MFA


@pytest.mark.parametrize("acr_values", ["", ACR_PASSWORD, "urn:example:unknown",
                                        f"{ACR_PASSWORD} {ACR_MFA}"])
def test_one_factor_is_enough_when_nothing_stronger_is_asked_first(core, pkce, acr_values):
    core.register()
    cookie, _ = signed_in(core)
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], acr_values=acr_values))
    assert code_amr(core, outcome) == PWD


@pytest.mark.parametrize("acr_values", [ACR_MFA, ACR_PASSWORD])
def test_a_two_factor_session_satisfies_every_class(core, pkce, acr_values):
    core.register(require_mfa=True)
    cookie, _ = signed_in(core, MFA)
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], acr_values=acr_values))
    assert code_amr(core, outcome) == MFA


def test_prompt_none_is_interaction_required_at_the_redirect_uri(core, pkce):
    core.register()
    cookie, _ = signed_in(core)
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], acr_values=ACR_MFA, prompt="none"))
    assert outcome.location.startswith("https://app.example/cb?")
    params = core.query(outcome.location)
    assert (params["error"], params["state"]) == ("interaction_required", "st-1")
    assert core.uow.repos.codes.rows == {}


def test_without_a_session_the_login_url_asks_for_both_factors_at_once(core, pkce):
    core.register(require_mfa=True)
    core.register("plain")
    assert login_params(core.authorize(**core.valid_params(pkce[1])))["acr"] == ACR_MFA
    assert "acr" not in login_params(core.authorize(**core.valid_params(pkce[1], client_id="plain")))


def test_prompt_login_with_mfa_is_a_fresh_login_then_a_step_up_without_a_loop(core, pkce):
    """The fresh login carries no hint (a hint would make it a step-up of the old session);
    the step-up keeps the sid, so the marker from the fresh login still proves it."""
    core.register()
    old, _ = signed_in(core, age=3600)
    first = login_params(core.authorize(cookie=old, **core.valid_params(
        pkce[1], prompt="login", acr_values=ACR_MFA)))
    assert "acr" not in first and "login_marker" in core.query(first["return_to"])
    core.clock.advance(5)
    fresh, _ = signed_in(core, age=0)  # a new password-only session
    second = login_params(come_back(core, first["return_to"], fresh))
    assert second["acr"] == ACR_MFA and second["return_to"] == first["return_to"]
    core.clock.advance(20)
    assert code_amr(core, come_back(core, second["return_to"], elevate(core, fresh))) == MFA
