"""Per-client nonce requirement (OIDC Core §3.1.2.1, §15.5.2): a client registered with
require_nonce gets `invalid_request` at its redirect URI for an OpenID request without a
nonce; other clients and non-OpenID requests are unaffected."""

from __future__ import annotations

from authorization_fakes import REDIRECT
from authorization_service.domain.authorize.context import Redirect


def test_openid_request_without_nonce_is_redirected_with_invalid_request(core, pkce) -> None:
    core.register(require_nonce=True)
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], nonce=None))
    assert isinstance(outcome, Redirect) and outcome.location.startswith(REDIRECT + "?")
    params = core.query(outcome.location)
    assert params["error"] == "invalid_request" and "nonce" in params["error_description"]
    assert params["state"] == "st-1" and params["iss"] == "https://auth.example" and "code" not in params
    assert core.uow.repos.codes.rows == {}


def test_with_a_nonce_the_code_is_issued(core, pkce) -> None:
    client, _ = core.register(require_nonce=True)
    assert client.require_nonce
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], nonce="n-1"))
    assert "code" in core.query(outcome.location)  # type: ignore[union-attr]


def test_without_openid_no_nonce_is_needed(core, pkce) -> None:
    core.register(require_nonce=True)
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], nonce=None, scope="read"))
    assert "code" in core.query(outcome.location)  # type: ignore[union-attr]


def test_clients_that_did_not_ask_may_omit_the_nonce(core, pkce) -> None:
    core.register()
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], nonce=None))
    assert "code" in core.query(outcome.location)  # type: ignore[union-attr]
