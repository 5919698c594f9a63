"""Pushed authorization requests (RFC 9126): the push checks the request as /authorize
would (§2.1), the request_uri works once, for its client, before it expires (§4); the
query's other parameters are ignored; a login round trip comes back with a ticket, not
the request_uri; clients registered with require_pushed_authorization_requests (§5)."""

from __future__ import annotations

import urllib.parse

import pytest
from authgate_common.core.errors import InvalidRequest, InvalidScope, OAuthError
from authorization_fakes import REDIRECT, make_core, make_settings
from authorization_service.domain.authorize.context import AuthorizeRequest, ErrorPage, Redirect
from authorization_service.domain.par.pushed import URN_PREFIX


def push(core, challenge: str, client_id: str = "web", **overrides: str) -> str:
    params = core.valid_params(challenge, **overrides)
    pairs = tuple(params.items())
    request_uri, expires_in = core.service.pusher.push(client_id, pairs)
    assert expires_in == 60
    return request_uri


def test_a_pushed_request_is_named_by_a_urn_and_expires_in_60_seconds(core, pkce) -> None:
    core.register()
    request_uri = push(core, pkce[1])
    assert request_uri.startswith(URN_PREFIX) and len(request_uri) > len(URN_PREFIX) + 40


def test_authorize_with_request_uri_issues_a_code_for_the_pushed_parameters(core, pkce) -> None:
    core.register()
    request_uri = push(core, pkce[1], state="pushed-state")
    cookie, _ = core.sessions.sign_in()
    # The query's redirect_uri and state are ignored: only client_id and request_uri count (§4).
    outcome = core.authorize(cookie=cookie, client_id="web", request_uri=request_uri,
                             state="query-state", redirect_uri="https://evil.example/cb")
    assert isinstance(outcome, Redirect), outcome
    assert outcome.location.startswith(REDIRECT)
    query = core.query(outcome.location)
    assert query["state"] == "pushed-state" and query["code"]


def test_a_request_uri_is_used_once(core, pkce) -> None:
    core.register()
    request_uri = push(core, pkce[1])
    cookie, _ = core.sessions.sign_in()
    first = core.authorize(cookie=cookie, client_id="web", request_uri=request_uri)
    assert "code" in core.query(first.location)
    again = core.authorize(cookie=cookie, client_id="web", request_uri=request_uri)
    assert isinstance(again, ErrorPage) and again.error == "invalid_request_uri"


def test_an_expired_request_uri_is_refused_with_a_page(core, pkce) -> None:
    core.register()
    request_uri = push(core, pkce[1])
    core.clock.advance(61)
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, client_id="web", request_uri=request_uri)
    assert isinstance(outcome, ErrorPage) and outcome.error == "invalid_request_uri"


def test_another_clients_request_uri_is_refused_and_burnt(core, pkce) -> None:
    core.register()
    core.register("other")
    request_uri = push(core, pkce[1])
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, client_id="other", request_uri=request_uri)
    assert isinstance(outcome, ErrorPage) and outcome.error == "invalid_request_uri"
    outcome = core.authorize(cookie=cookie, client_id="web", request_uri=request_uri)
    assert isinstance(outcome, ErrorPage) and outcome.error == "invalid_request_uri"


@pytest.mark.parametrize("request_uri", ["urn:ietf:params:oauth:request_uri:nope",
                                         "https://client.example/request.jwt"])
def test_an_unknown_request_uri_is_an_error_page(core, request_uri: str) -> None:
    core.register()
    outcome = core.authorize(client_id="web", request_uri=request_uri)
    assert isinstance(outcome, ErrorPage) and outcome.error == "invalid_request_uri"


def test_the_push_refuses_what_authorize_would(core, pkce) -> None:
    core.register(scopes=("openid",))
    with pytest.raises(InvalidRequest):
        push(core, pkce[1], redirect_uri="https://evil.example/cb")
    with pytest.raises(InvalidScope):
        push(core, pkce[1], scope="openid write")
    with pytest.raises(InvalidRequest):
        push(core, pkce[1], scope="openid", request_uri=URN_PREFIX + "x")
    with pytest.raises(InvalidRequest):  # the pushed client_id must be the authenticated client
        core.service.pusher.push("web", (("client_id", "other"),))


def test_the_push_refuses_a_response_type_other_than_code(core, pkce) -> None:
    core.register()
    with pytest.raises(OAuthError) as err:
        push(core, pkce[1], response_type="token")
    assert err.value.error in {"unsupported_response_type", "invalid_request"}


def test_a_login_round_trip_comes_back_with_a_ticket_not_the_request_uri(core, pkce) -> None:
    core.register()
    request_uri = push(core, pkce[1], state="s-1")
    outcome = core.authorize(client_id="web", request_uri=request_uri)
    assert isinstance(outcome, Redirect)
    return_to = urllib.parse.parse_qs(urllib.parse.urlsplit(outcome.location).query)["return_to"][0]
    back = core.query(return_to)
    assert set(back) == {"client_id", "par_ticket"}
    cookie, _ = core.sessions.sign_in()
    pairs = tuple(urllib.parse.parse_qsl(urllib.parse.urlsplit(return_to).query))
    done = core.service.authorize.handle(AuthorizeRequest(pairs, cookie, return_to))
    assert isinstance(done, Redirect) and core.query(done.location)["state"] == "s-1"


def test_prompt_login_by_push_ends_after_one_fresh_login(core, pkce) -> None:
    core.register()
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, client_id="web", request_uri=push(core, pkce[1], prompt="login"))
    return_to = urllib.parse.parse_qs(urllib.parse.urlsplit(outcome.location).query)["return_to"][0]
    assert {"client_id", "par_ticket", "login_marker"} == set(core.query(return_to))
    core.clock.advance(5)
    fresh, _ = core.sessions.sign_in()
    core.sessions.tokens[fresh] = core.sessions.tokens[fresh].__class__(
        sid="sid-fresh", user_id="user-1", auth_time=core.clock.now(), amr=("pwd",))
    pairs = tuple(urllib.parse.parse_qsl(urllib.parse.urlsplit(return_to).query))
    done = core.service.authorize.handle(AuthorizeRequest(pairs, fresh, return_to))
    assert isinstance(done, Redirect) and "code" in core.query(done.location), done


def test_a_forged_ticket_is_refused(core) -> None:
    core.register()
    outcome = core.authorize(client_id="web", par_ticket="e30.bad")
    assert isinstance(outcome, ErrorPage) and outcome.error == "invalid_request_uri"


def test_a_client_that_must_push_is_refused_without_a_request_uri(core, pkce) -> None:
    core.register(require_pushed_authorization_requests=True)
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1]))
    assert isinstance(outcome, ErrorPage) and outcome.error == "invalid_request"
    pushed = core.authorize(cookie=cookie, client_id="web", request_uri=push(core, pkce[1]))
    assert isinstance(pushed, Redirect) and "code" in core.query(pushed.location)


def test_par_required_applies_to_every_client(pkce) -> None:
    core = make_core(make_settings().model_copy(update={"PAR_REQUIRED": True}))
    core.register()
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1]))
    assert isinstance(outcome, ErrorPage) and outcome.error == "invalid_request"


def test_par_off_refuses_request_uri_and_has_no_pusher(pkce) -> None:
    core = make_core(make_settings().model_copy(update={"PAR_ENABLED": False}))
    core.register()
    assert core.service.pusher is None
    outcome = core.authorize(client_id="web", request_uri=URN_PREFIX + "x")
    assert isinstance(outcome, ErrorPage) and outcome.error == "invalid_request"


def test_a_push_too_large_to_carry_across_a_login_is_refused(core, pkce) -> None:
    core.register()
    with pytest.raises(InvalidRequest):
        push(core, pkce[1], state="é" * 1000)
