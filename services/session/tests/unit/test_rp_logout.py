"""The end-session endpoint (OIDC RP-Initiated Logout 1.0): a hint that names the
session ends it at once, anything else asks the user on a CSRF-protected form, and a
post-logout URI is used only when registered for the client — never an open redirect."""

from __future__ import annotations

import re
import secrets
import urllib.parse

import pytest
from authgate_common.core.errors import InvalidRequest
from fastapi.testclient import TestClient
from session_service.bootstrap import build
from session_service.domain.create import create_session
from session_service.domain.logout_csrf import LogoutCsrf
from session_service.domain.rp_logout import (
    Confirm,
    Hint,
    LogoutRequest,
    RegisteredClient,
    RpLogout,
    SignedOut,
)
from session_service.settings import Settings

BYE = "https://rp.example/bye"


class FakeHints:
    def __init__(self) -> None:
        self.known: dict[str, Hint] = {}

    def verify(self, id_token_hint: str) -> Hint:
        if id_token_hint not in self.known:
            raise InvalidRequest("The id_token_hint is not a valid ID token from this issuer.")
        return self.known[id_token_hint]


class FakeClients:
    def __init__(self) -> None:
        self.rows = {
            "rp": RegisteredClient("rp", "Reporting", (BYE, "https://rp.example/bye?lang=en")),
            "other": RegisteredClient("other", "", ()),
        }

    def get(self, client_id: str) -> RegisteredClient | None:
        return self.rows.get(client_id)


@pytest.fixture
def rp(world):
    hints = FakeHints()
    endpoint = RpLogout(world.deps, hints, FakeClients(), LogoutCsrf(b"k" * 32, 600))
    session, cookie = create_session(world.deps, "alice", "", "laptop", [])
    hints.known["hint"] = Hint(sub="alice", sid=session.sid, aud=("rp",))
    hints.known["stale-hint"] = Hint(sub="alice", sid="an-older-session", aud=("rp",))
    return endpoint, session, cookie


def test_a_hint_naming_the_session_ends_it_and_redirects_with_state(world, rp) -> None:
    endpoint, session, cookie = rp
    out = endpoint.handle(
        LogoutRequest(id_token_hint="hint", post_logout_redirect_uri=BYE, state="x y&z"), cookie
    )
    assert out == SignedOut(BYE + "?state=x+y%26z", ended=True)
    assert world.row(session.sid).revoked_at is not None
    assert [r.sid for r in world.published] == [session.sid]


def test_state_is_added_to_a_registered_uri_with_a_query(rp) -> None:
    endpoint, _, cookie = rp
    out = endpoint.handle(
        LogoutRequest(id_token_hint="hint", post_logout_redirect_uri=BYE + "?lang=en", state="s1"), cookie
    )
    assert isinstance(out, SignedOut) and out.redirect_to == BYE + "?lang=en&state=s1"


@pytest.mark.parametrize(
    "req",
    [
        LogoutRequest(client_id="rp", post_logout_redirect_uri="https://evil.example/bye"),
        LogoutRequest(client_id="rp", post_logout_redirect_uri=BYE + "/"),  # exact match only
        LogoutRequest(client_id="other", post_logout_redirect_uri=BYE),
        LogoutRequest(client_id="nobody", post_logout_redirect_uri=BYE),
        LogoutRequest(post_logout_redirect_uri=BYE),  # no client to check it against
        LogoutRequest(id_token_hint="hint", client_id="other"),  # not the hint's audience
        LogoutRequest(id_token_hint="forged", post_logout_redirect_uri=BYE),
        LogoutRequest(client_id="rp", state="s" * 5000),
    ],
)
def test_what_cannot_be_verified_is_refused_and_nothing_ends(world, rp, req) -> None:
    endpoint, session, cookie = rp
    with pytest.raises(InvalidRequest):
        endpoint.handle(req, cookie)
    assert world.row(session.sid).revoked_at is None


def test_without_a_matching_hint_the_user_confirms(world, rp) -> None:
    endpoint, session, cookie = rp
    for req in (
        LogoutRequest(),
        LogoutRequest(client_id="rp", post_logout_redirect_uri=BYE),
        LogoutRequest(id_token_hint="stale-hint"),
    ):
        out = endpoint.handle(req, cookie)
        assert isinstance(out, Confirm) and not out.expired
        assert world.row(session.sid).revoked_at is None
    confirmed = endpoint.handle(
        LogoutRequest(client_id="rp", post_logout_redirect_uri=BYE, state="s", csrf_token=out.csrf_token),
        cookie,
    )
    assert confirmed == SignedOut(BYE + "?state=s", ended=True)
    assert world.row(session.sid).revoked_at is not None


def test_a_forged_expired_or_other_sessions_csrf_token_does_not_end_the_session(world, rp) -> None:
    endpoint, session, cookie = rp
    token = endpoint.handle(LogoutRequest(), cookie).csrf_token  # type: ignore[union-attr]
    _, other_cookie = create_session(world.deps, "bob", "", "bob's", [])
    theirs = endpoint.handle(LogoutRequest(), other_cookie).csrf_token  # type: ignore[union-attr]
    for forged in ("", "1.2", "9999999999.abc", theirs):
        out = endpoint.handle(LogoutRequest(csrf_token=forged), cookie)
        assert isinstance(out, Confirm) and out.expired == bool(forged)
    world.clock.advance(601)
    out = endpoint.handle(LogoutRequest(csrf_token=token), cookie)
    assert isinstance(out, Confirm) and out.expired
    assert world.row(session.sid).revoked_at is None


def test_without_a_session_there_is_nothing_to_confirm(world, rp) -> None:
    endpoint, _, _ = rp
    assert endpoint.handle(LogoutRequest(client_id="rp", post_logout_redirect_uri=BYE), None) == SignedOut(
        BYE, ended=False
    )
    assert endpoint.handle(LogoutRequest(), "not-a-session") == SignedOut(None, ended=False)


# -- through the HTTP app -------------------------------------------------------------------


@pytest.fixture
def http(world):
    settings = Settings(_env_file=None, ISSUER="https://auth.example", SECRET_KEY=secrets.token_urlsafe(32))  # type: ignore[call-arg]
    hints = FakeHints()
    service = build(
        settings,
        uow=world.uow,
        store=world.kv,
        tokens=world.tokens,
        clock=world.clock,  # type: ignore[arg-type]
        hints=hints,
        clients=FakeClients(),
    )
    session, cookie = create_session(service.deps, "alice", "", "laptop", [])
    hints.known["hint"] = Hint(sub="alice", sid=session.sid, aud=("rp",))
    client = TestClient(service.http_app, follow_redirects=False, base_url="https://auth.example")
    client.cookies.set("__Host-sso_session", cookie)
    return client, session


def _hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def test_pages_are_plain_html_that_refuses_framing(http) -> None:
    client, _ = http
    resp = client.get("/api/v1/oauth/logout", params={"client_id": "rp"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    assert resp.headers["cache-control"] == "no-store" and "<script" not in resp.text
    assert "Reporting" in resp.text and 'action="/api/v1/oauth/logout"' in resp.text


def test_confirming_the_form_ends_the_session_and_clears_the_cookie(world, http) -> None:
    client, session = http
    page = client.get(
        "/api/v1/oauth/logout", params={"client_id": "rp", "post_logout_redirect_uri": BYE, "state": "<s>"}
    )
    fields = _hidden(page.text)
    assert fields["state"] == "&lt;s&gt;" and fields["csrf_token"]
    form = {k: v.replace("&lt;", "<").replace("&gt;", ">") for k, v in fields.items()}
    resp = client.post("/api/v1/oauth/logout", data=form)
    assert resp.status_code == 303 and resp.headers["location"] == BYE + "?state=%3Cs%3E"
    cleared = resp.headers["set-cookie"]
    assert cleared.startswith('__Host-sso_session=""') and "Max-Age=0" in cleared
    assert "Secure" in cleared and "Path=/" in cleared and "Domain" not in cleared  # __Host-, https ISSUER
    assert world.row(session.sid).revoked_at is not None


def test_an_unregistered_uri_gets_an_error_page_not_a_redirect(world, http) -> None:
    client, session = http
    resp = client.get(
        "/api/v1/oauth/logout",
        params={"id_token_hint": "hint", "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert resp.status_code == 400 and "location" not in resp.headers
    assert "invalid_request" in resp.text and "evil.example" not in resp.text
    assert world.row(session.sid).revoked_at is None


def test_matching_hint_signs_out_with_a_page_when_no_uri_is_given(http) -> None:
    client, _ = http
    resp = client.post("/api/v1/oauth/logout", data={"id_token_hint": "hint"})
    assert resp.status_code == 200 and "You are signed out" in resp.text
    assert "Max-Age=0" in resp.headers["set-cookie"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"id_token_hint": "hint"}'),
        ("application/x-www-form-urlencoded", b"state=%ff"),
        ("application/x-www-form-urlencoded", b"state=a&state=b"),
    ],
)
def test_malformed_posts_are_refused_with_a_page(http, content_type, body) -> None:
    client, _ = http
    resp = client.post("/api/v1/oauth/logout", content=body, headers={"content-type": content_type})
    assert resp.status_code == 400 and resp.headers["content-type"].startswith("text/html")


def test_state_reaches_the_redirect_url_encoded(http) -> None:
    client, _ = http
    resp = client.get(
        "/api/v1/oauth/logout",
        params={"id_token_hint": "hint", "post_logout_redirect_uri": BYE, "state": "a&b=c"},
    )
    assert resp.status_code == 303
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(resp.headers["location"]).query) == {
        "state": ["a&b=c"]
    }
