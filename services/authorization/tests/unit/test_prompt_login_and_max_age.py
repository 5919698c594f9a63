"""prompt=login and max_age (OIDC Core §3.1.2.1, §3.1.2.3): a fresh login is forced even
with a live session, the loop ends once the user has signed in again, and the code
carries the new auth_time. prompt=none never shows the login page (§3.1.2.6)."""

from __future__ import annotations

import secrets
import urllib.parse
from datetime import datetime, timedelta

import pytest
from authorization_service.domain.authorize.context import AuthorizeRequest, Redirect
from authorization_service.domain.models import SessionInfo

LOGIN = "/api/v1/sso/login"


def session_at(core, auth_time: datetime | None, user_id: str = "user-1") -> tuple[str, SessionInfo]:
    token = secrets.token_urlsafe(32)
    info = SessionInfo(sid="sid-" + secrets.token_hex(4), user_id=user_id, auth_time=auth_time,
                       amr=("pwd",))
    core.sessions.tokens[token] = info
    return token, info


def return_to_of(outcome) -> str:
    assert isinstance(outcome, Redirect), outcome
    path, _, query = outcome.location.partition("?")
    assert path == LOGIN, outcome.location
    return urllib.parse.parse_qs(query)["return_to"][0]


def come_back(core, return_to: str, cookie: str):
    """The browser returning from the login page to return_to with its new cookie."""
    pairs = tuple(urllib.parse.parse_qsl(urllib.parse.urlsplit(return_to).query))
    return core.service.authorize.handle(AuthorizeRequest(pairs, cookie, return_to))


def sign_in_again(core) -> tuple[str, SessionInfo]:
    core.clock.advance(5)
    return session_at(core, core.clock.now())


def code_auth_time(core, outcome) -> datetime | None:
    code = core.query(outcome.location)["code"]
    assert code
    (stored,) = core.uow.repos.codes.rows.values()
    return stored.auth_time


@pytest.fixture
def old_session(core):
    core.register()
    return session_at(core, core.clock.now() - timedelta(hours=1))


def test_prompt_login_sends_a_signed_in_user_to_the_login_page(core, old_session, pkce) -> None:
    params = core.valid_params(pkce[1], prompt="login")
    return_to = return_to_of(core.authorize(cookie=old_session[0], **params))
    back = core.query(return_to)
    assert "prompt" not in back and back["login_marker"]
    assert {k: v for k, v in back.items() if k != "login_marker"} == {
        k: v for k, v in params.items() if k != "prompt"}
    assert core.uow.repos.codes.rows == {}


def test_after_signing_in_again_the_code_carries_the_new_auth_time(core, old_session, pkce) -> None:
    return_to = return_to_of(core.authorize(cookie=old_session[0],
                                            **core.valid_params(pkce[1], prompt="login")))
    cookie, fresh = sign_in_again(core)
    outcome = come_back(core, return_to, cookie)
    assert code_auth_time(core, outcome) == fresh.auth_time != old_session[1].auth_time


def test_coming_back_with_the_old_session_asks_again(core, old_session, pkce) -> None:
    return_to = return_to_of(core.authorize(cookie=old_session[0],
                                            **core.valid_params(pkce[1], prompt="login", max_age="60")))
    again = come_back(core, return_to, old_session[0])
    assert return_to_of(again).startswith("/api/v1/oauth/authorize?")


def test_prompt_login_keeps_other_prompt_values(core, old_session, pkce) -> None:
    return_to = return_to_of(core.authorize(cookie=old_session[0],
                                            **core.valid_params(pkce[1], prompt="login consent")))
    assert core.query(return_to)["prompt"] == "consent"


def test_prompt_login_without_a_session_does_not_loop(core, pkce) -> None:
    core.register()
    return_to = return_to_of(core.authorize(**core.valid_params(pkce[1], prompt="login")))
    cookie, fresh = sign_in_again(core)
    assert code_auth_time(core, come_back(core, return_to, cookie)) == fresh.auth_time


@pytest.mark.parametrize("tamper", ["forged", "expired", "other_client", "earlier_login"])
def test_a_marker_that_proves_nothing_asks_again(core, old_session, pkce, tamper) -> None:
    """max_age=0 stays in return_to, so only the marker can end the loop."""
    core.register("other")
    return_to = return_to_of(core.authorize(cookie=old_session[0],
                                            **core.valid_params(pkce[1], max_age="0")))
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(return_to).query))
    cookie, _ = sign_in_again(core)
    core.clock.advance(2)  # so that only the marker could excuse the login's age
    if tamper == "forged":
        body, _, mac = params["login_marker"].partition(".")
        params["login_marker"] = body[:-2] + "AA." + mac
    elif tamper == "expired":
        core.clock.advance(601)
    elif tamper == "other_client":
        params["client_id"] = "other"
    else:  # a second session that authenticated before the request was made
        cookie, _ = session_at(core, core.clock.now() - timedelta(minutes=1))
    again = core.authorize(cookie=cookie, **params)
    assert return_to_of(again)


@pytest.mark.parametrize("max_age, age, fresh", [("3600", 60, True), ("30", 60, False),
                                                 ("0", 1, False), ("60", 60, True)])
def test_max_age_against_the_session_age(core, pkce, max_age, age, fresh) -> None:
    core.register()
    cookie, _ = session_at(core, core.clock.now() - timedelta(seconds=age))
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], max_age=max_age))
    if fresh:
        assert "code" in core.query(outcome.location)
    else:
        assert core.query(return_to_of(outcome))["max_age"] == max_age


def test_max_age_zero_ends_after_one_login(core, old_session, pkce) -> None:
    return_to = return_to_of(core.authorize(cookie=old_session[0],
                                            **core.valid_params(pkce[1], max_age="0")))
    cookie, fresh = sign_in_again(core)
    core.clock.advance(2)  # the login is already two seconds old when the browser returns
    assert code_auth_time(core, come_back(core, return_to, cookie)) == fresh.auth_time


def test_max_age_with_unknown_auth_time_asks_for_a_login(core, pkce) -> None:
    core.register()
    cookie, _ = session_at(core, None)
    assert return_to_of(core.authorize(cookie=cookie, **core.valid_params(pkce[1], max_age="600")))


def test_prompt_none_with_a_too_old_session_is_login_required(core, old_session, pkce) -> None:
    outcome = core.authorize(cookie=old_session[0],
                             **core.valid_params(pkce[1], prompt="none", max_age="60"))
    params = core.query(outcome.location)
    assert outcome.location.startswith("https://app.example/cb?")
    assert params["error"] == "login_required" and params["state"] == "st-1"


@pytest.mark.parametrize("max_age", ["-1", "abc", "1.5", "1e3", "12345678901", "٣"])
def test_malformed_max_age_is_invalid_request(core, old_session, pkce, max_age) -> None:
    outcome = core.authorize(cookie=old_session[0], **core.valid_params(pkce[1], max_age=max_age))
    assert core.query(outcome.location)["error"] == "invalid_request"
