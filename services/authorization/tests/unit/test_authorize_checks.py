"""The authorize pipeline step by step (RFC 6749 §4.1.1, §4.1.2.1; RFC 7636; RFC 9207;
OIDC Core §3.1.2): which error, and whether it is a page or a redirect."""

from __future__ import annotations

import dataclasses
import urllib.parse

import pytest
from authgate_common.core.errors import TemporarilyUnavailable
from authorization_fakes import ISSUER, REDIRECT
from authorization_service.domain.authorize.context import ConsentPrompt, ErrorPage, Redirect


@pytest.fixture
def signed_in(core):
    core.register()
    cookie, _ = core.sessions.sign_in()
    return cookie


def redirected_error(core, outcome) -> dict[str, str]:
    assert isinstance(outcome, Redirect), outcome
    assert outcome.location.startswith(REDIRECT + "?")
    params = core.query(outcome.location)
    assert "code" not in params
    assert params["iss"] == ISSUER
    return params


# 1. duplicates ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["scope", "client_id", "redirect_uri", "state"])
def test_repeated_parameter_is_a_page(core, signed_in, pkce, name) -> None:
    params = core.valid_params(pkce[1])
    outcome = core.authorize([(name, params[name])], cookie=signed_in, **params)
    assert isinstance(outcome, ErrorPage) and outcome.error == "invalid_request"
    assert outcome.status == 400


def test_empty_parameter_counts_as_omitted(core, signed_in, pkce) -> None:
    outcome = core.authorize(cookie=signed_in, **core.valid_params(pkce[1], state=""))
    params = core.query(outcome.location)
    assert "code" in params and "state" not in params


# 2. client -------------------------------------------------------------------

@pytest.mark.parametrize("client_id", [None, "unknown"])
def test_missing_or_unknown_client_is_a_page(core, signed_in, pkce, client_id) -> None:
    outcome = core.authorize(cookie=signed_in, **core.valid_params(pkce[1], client_id=client_id))
    assert isinstance(outcome, ErrorPage)
    assert outcome.error in ("invalid_request", "invalid_client")


# 3. redirect_uri -------------------------------------------------------------

@pytest.mark.parametrize("uri", [
    "https://evil.example/cb", REDIRECT + "/extra", REDIRECT + "?x=1", REDIRECT.upper(),
    REDIRECT + "\r\nLocation: https://evil.example", "https://app.example/CB"])
def test_unregistered_redirect_uri_is_a_page(core, signed_in, pkce, uri) -> None:
    outcome = core.authorize(cookie=signed_in, **core.valid_params(pkce[1], redirect_uri=uri,
                                                                   response_type="token"))
    assert isinstance(outcome, ErrorPage)


def test_omitted_redirect_uri_uses_the_only_registered_one(core, signed_in, pkce) -> None:
    outcome = core.authorize(cookie=signed_in, **core.valid_params(pkce[1], redirect_uri=None))
    assert isinstance(outcome, Redirect) and outcome.location.startswith(REDIRECT + "?code=")


def test_omitted_redirect_uri_with_several_registered_is_a_page(core, pkce) -> None:
    core.register(redirect_uris=(REDIRECT, "https://app.example/other"))
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], redirect_uri=None))
    assert isinstance(outcome, ErrorPage)


def test_registered_query_is_kept(core, pkce) -> None:
    uri = "https://app.example/cb?tenant=a"
    core.register(redirect_uris=(uri,))
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], redirect_uri=uri))
    assert outcome.location.startswith(uri + "&code=")
    assert core.query(outcome.location)["tenant"] == "a"


# 4. response_type -------------------------------------------------------------

@pytest.mark.parametrize("response_type, error", [
    ("token", "unsupported_response_type"), ("code id_token", "unsupported_response_type"),
    (None, "invalid_request")])
def test_response_type(core, signed_in, pkce, response_type, error) -> None:
    outcome = core.authorize(cookie=signed_in,
                             **core.valid_params(pkce[1], response_type=response_type))
    params = redirected_error(core, outcome)
    assert params["error"] == error and params["state"] == "st-1"


def test_client_without_code_grant_is_unauthorized_client(core, pkce) -> None:
    core.register(grant_types=("client_credentials",))
    cookie, _ = core.sessions.sign_in()
    params = redirected_error(core, core.authorize(cookie=cookie, **core.valid_params(pkce[1])))
    assert params["error"] == "unauthorized_client"


# 5. scope ----------------------------------------------------------------------

@pytest.mark.parametrize("scope", [None, "   ", "openid superuser", "openid admin"])
def test_scope_missing_unknown_or_beyond_the_client(core, signed_in, pkce, scope) -> None:
    params = redirected_error(core, core.authorize(cookie=signed_in,
                                                   **core.valid_params(pkce[1], scope=scope)))
    assert params["error"] == "invalid_scope"


# 6. PKCE -----------------------------------------------------------------------

@pytest.mark.parametrize("overrides", [
    {"code_challenge_method": "plain"},
    {"code_challenge_method": None},
    {"code_challenge": "short"},
    {"code_challenge": "!" * 43},
    {"code_challenge": None},
    {"code_challenge": None, "code_challenge_method": "S256"},
])
def test_pkce_errors_are_invalid_request(core, signed_in, pkce, overrides) -> None:
    params = redirected_error(core, core.authorize(cookie=signed_in,
                                                   **core.valid_params(pkce[1], **overrides)))
    assert params["error"] == "invalid_request" and params["state"] == "st-1"


def test_confidential_client_with_pkce_optional_may_omit_the_challenge(core) -> None:
    core.register(pkce_optional=True)
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params("", code_challenge_method=None))
    assert "code" in core.query(outcome.location)


def test_public_client_must_use_pkce(core) -> None:
    core.register(client_type="public")
    cookie, _ = core.sessions.sign_in()
    params = redirected_error(core, core.authorize(
        cookie=cookie, **core.valid_params("", code_challenge_method=None)))
    assert params["error"] == "invalid_request"


# 7. prompt ---------------------------------------------------------------------

@pytest.mark.parametrize("prompt", ["none login", "bogus"])
def test_bad_prompt_is_invalid_request(core, signed_in, pkce, prompt) -> None:
    params = redirected_error(core, core.authorize(cookie=signed_in,
                                                   **core.valid_params(pkce[1], prompt=prompt)))
    assert params["error"] == "invalid_request"


def test_prompt_none_without_session_is_login_required(core, pkce) -> None:
    core.register()
    params = redirected_error(core, core.authorize(**core.valid_params(pkce[1], prompt="none")))
    assert params["error"] == "login_required" and params["state"] == "st-1"


def test_prompt_none_with_session_issues_a_code(core, signed_in, pkce) -> None:
    outcome = core.authorize(cookie=signed_in, **core.valid_params(pkce[1], prompt="none"))
    assert "code" in core.query(outcome.location)


# 8. session --------------------------------------------------------------------

@pytest.mark.parametrize("cookie", [None, "not-a-session", "x" * 5000])
def test_no_valid_session_goes_to_login_with_return_to(core, pkce, cookie) -> None:
    core.register()
    params = core.valid_params(pkce[1])
    outcome = core.authorize(cookie=cookie, **params)
    assert isinstance(outcome, Redirect)
    path, _, query = outcome.location.partition("?")
    assert path == "/api/v1/sso/login"
    return_to = urllib.parse.parse_qs(query)["return_to"][0]
    assert return_to == "/api/v1/oauth/authorize?" + urllib.parse.urlencode(params)
    assert core.uow.repos.codes.rows == {}
    assert "x" * 5000 not in core.sessions.asked  # an oversized cookie is not forwarded


def test_session_service_down_fails_closed(core, pkce) -> None:
    core.register()
    core.sessions.down = True
    with pytest.raises(TemporarilyUnavailable):
        core.authorize(cookie="anything", **core.valid_params(pkce[1]))


# 9. consent --------------------------------------------------------------------

def test_third_party_client_gets_the_consent_page(core, pkce) -> None:
    core.register(first_party=False)
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1]))
    assert isinstance(outcome, ConsentPrompt) and outcome.scopes == ("openid", "read")
    assert core.uow.repos.codes.rows == {}


def test_third_party_client_with_prompt_none_is_consent_required(core, pkce) -> None:
    core.register(first_party=False)
    cookie, _ = core.sessions.sign_in()
    params = redirected_error(core, core.authorize(cookie=cookie,
                                                   **core.valid_params(pkce[1], prompt="none")))
    assert params["error"] == "consent_required" and params["state"] == "st-1"


# 10. issue_code ----------------------------------------------------------------

def test_success_redirects_with_code_state_and_iss(core, signed_in, pkce) -> None:
    outcome = core.authorize(cookie=signed_in, **core.valid_params(pkce[1]))
    assert isinstance(outcome, Redirect)
    params = core.query(outcome.location)
    assert set(params) == {"code", "state", "iss"}
    assert params["state"] == "st-1" and params["iss"] == ISSUER
    assert len(params["code"]) >= 43


def test_state_is_returned_only_when_sent(core, signed_in, pkce) -> None:
    outcome = core.authorize(cookie=signed_in, **core.valid_params(pkce[1], state=None))
    assert set(core.query(outcome.location)) == {"code", "iss"}


def test_stored_code_is_bound_and_hashed(core, pkce) -> None:
    core.register()
    cookie, session = core.sessions.sign_in("alice")
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], scope="openid profile"))
    code = core.query(outcome.location)["code"]
    (stored,) = core.uow.repos.codes.rows.values()
    assert code not in stored.code_hash and stored.code_hash != code
    assert stored.grant_id == stored.code_hash[:32]
    assert (stored.client_id, stored.user_id, stored.sid) == ("web", "alice", session.sid)
    assert stored.redirect_uri == REDIRECT and stored.scopes == ("openid", "profile")
    assert (stored.code_challenge, stored.code_challenge_method) == (pkce[1], "S256")
    assert stored.nonce == "n-0S6" and stored.amr == ("pwd",)
    assert stored.auth_time == session.auth_time
    assert (stored.expires_at - stored.created_at).total_seconds() == 60


def test_order_client_before_everything(core, pkce) -> None:
    """An unknown client with every other parameter wrong is still a page, not a redirect."""
    outcome = core.authorize(response_type="token", client_id="ghost", redirect_uri=REDIRECT)
    assert isinstance(outcome, ErrorPage)


def test_a_third_party_client_never_gets_account_whatever_it_holds(core, pkce) -> None:
    # Registration refuses it; a row from before that rule must not reach the scope either.
    core.register(scopes=("openid", "read"), first_party=False)
    rows = core.uow.repos.clients.rows
    rows["web"] = dataclasses.replace(rows["web"], scopes=("openid", "read", "account"))
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], scope="openid account"))
    assert redirected_error(core, outcome)["error"] == "invalid_scope"
