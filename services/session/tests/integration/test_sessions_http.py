"""GET/DELETE /api/v1/sessions and POST /api/v1/logout on PostgreSQL + Redis, through the
real HTTP app, with the SSO cookie or a bearer token checked by a stand-in TokenService."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from authgate.token.v1 import token_pb2, token_pb2_grpc
from authgate_common.core.errors import InsufficientScope, InvalidToken
from authgate_common.grpc_server import create_server
from fastapi.testclient import TestClient
from session_service.domain.create import create_session
from session_service.domain.lookup import get_session

ISSUER = "http://id.test"
ACCOUNT_API = f"{ISSUER}/api/v1/account"
SAME = {"Origin": ISSUER}


class FakeTokenService(token_pb2_grpc.TokenServiceServicer):
    """ValidateToken over the tokens a test registers: (sub, sid, scopes, aud)."""

    def __init__(self) -> None:
        self.tokens: dict[str, tuple[str, str, list[str], list[str]]] = {}

    def ValidateToken(self, request, context):  # noqa: N802
        if request.token not in self.tokens:
            raise InvalidToken()
        sub, sid, scopes, aud = self.tokens[request.token]
        if not set(request.required_scopes) <= set(scopes):
            raise InsufficientScope()
        return token_pb2.ValidateTokenResponse(sub=sub, sid=sid, scopes=scopes, aud=aud)


@dataclass
class Web:
    http: TestClient
    service: object
    tokens: FakeTokenService
    seen: dict[str, str] = field(default_factory=dict)

    def login(self, user: str, ua: str = "Firefox") -> tuple[str, str]:
        """A session as identity would start it: (sid, cookie value)."""
        session, cookie = create_session(self.service.deps, user, "203.0.113.5", ua, ["pwd"])  # type: ignore[attr-defined]
        return session.sid, cookie

    def bearer(self, user: str, sid: str, scopes: str = "openid account",
               aud: tuple[str, ...] = ("web", ACCOUNT_API)) -> dict[str, str]:
        token = secrets.token_urlsafe(24)
        self.tokens.tokens[token] = (user, sid, scopes.split(), list(aud))
        return {"Authorization": f"Bearer {token}"}

    def alive(self, sid: str) -> bool:
        try:
            get_session(self.service.deps, sid)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001
            return False
        return True


def cookie(value: str) -> dict[str, str]:
    return {"Cookie": f"sso_session={value}"}


@pytest.fixture
def web(replica) -> Iterator[Web]:
    fake = FakeTokenService()
    server, port, _ = create_server(
        0, lambda s: token_pb2_grpc.add_TokenServiceServicer_to_server(fake, s),
        service_names=["authgate.token.v1.TokenService"], host="127.0.0.1")
    try:
        with replica(TOKEN_GRPC_TARGET=f"127.0.0.1:{port}", ISSUER=ISSUER) as r, \
                TestClient(r.service.http_app, base_url=ISSUER) as http:
            yield Web(http, r.service, fake)
    finally:
        server.stop(None)


@pytest.fixture
def user() -> str:
    return "user-" + secrets.token_hex(4)


def test_no_credentials_get_the_bare_bearer_challenge(web: Web) -> None:
    resp = web.http.get("/api/v1/sessions")
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"] == 'Bearer realm="authgate"'
    assert web.http.get("/api/v1/sessions", headers=cookie("not-a-session")).status_code == 401


def test_cookie_lists_own_devices_with_the_current_one_flagged(web: Web, user: str) -> None:
    laptop, laptop_cookie = web.login(user, "laptop")
    phone, _ = web.login(user, "phone")
    web.login(user + "-other")
    resp = web.http.get("/api/v1/sessions", headers=cookie(laptop_cookie))
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    listed = {s["sid"]: s for s in resp.json()["sessions"]}
    assert set(listed) == {laptop, phone}
    assert listed[laptop]["current"] and not listed[phone]["current"]
    assert listed[phone]["user_agent"] == "phone" and listed[phone]["client_ip"] == "203.0.113.5"
    assert {"created_at", "last_seen_at", "expires_at"} <= set(listed[phone])


def test_bearer_with_account_lists_and_flags_the_tokens_session(web: Web, user: str) -> None:
    one, _ = web.login(user)
    two, _ = web.login(user)
    resp = web.http.get("/api/v1/sessions", headers=web.bearer(user, two))
    assert resp.status_code == 200
    assert {s["sid"]: s["current"] for s in resp.json()["sessions"]} == {one: False, two: True}


def test_bad_bearer_is_invalid_token_and_missing_account_is_insufficient_scope(web: Web, user: str) -> None:
    sid, _ = web.login(user)
    bad = web.http.get("/api/v1/sessions", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]
    weak = web.http.get("/api/v1/sessions", headers=web.bearer(user, sid, "openid profile"))
    assert weak.status_code == 403 and weak.json()["error"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in weak.headers["www-authenticate"]
    assert 'scope="account"' in weak.headers["www-authenticate"]
    reader = web.http.get("/api/v1/sessions", headers=web.bearer(user, sid, "openid read"))
    assert reader.status_code == 403 and reader.json()["error"] == "insufficient_scope"
    machine = web.http.get("/api/v1/sessions", headers=web.bearer("svc-client", "", "account"))
    assert machine.status_code == 403


def test_a_bearer_meant_for_another_api_is_invalid_token(web: Web, user: str) -> None:
    sid, _ = web.login(user)
    for path, method in (("/api/v1/sessions", "GET"), ("/api/v1/logout", "POST")):
        resp = web.http.request(method, path, headers=web.bearer(user, sid, aud=("web", "urn:authgate:api")))
        assert resp.status_code == 401 and resp.json()["error"] == "invalid_token"
    assert web.alive(sid)


def test_delete_ends_own_device_only(web: Web, user: str) -> None:
    mine, my_cookie = web.login(user)
    other_device, _ = web.login(user)
    theirs, _ = web.login(user + "-other")
    for sid in (theirs, "no-such-session", "x" * 300):
        resp = web.http.delete(f"/api/v1/sessions/{sid}", headers={**cookie(my_cookie), **SAME})
        assert resp.status_code == 404 and resp.json()["error"] == "not_found"
    assert web.alive(theirs)
    resp = web.http.delete(f"/api/v1/sessions/{other_device}", headers={**cookie(my_cookie), **SAME})
    assert resp.status_code == 204
    assert not web.alive(other_device) and web.alive(mine)
    listed = web.http.get("/api/v1/sessions", headers=cookie(my_cookie)).json()["sessions"]
    assert [s["sid"] for s in listed] == [mine]


def test_delete_with_a_cookie_from_another_site_is_refused(web: Web, user: str) -> None:
    _, my_cookie = web.login(user)
    other, _ = web.login(user)
    resp = web.http.delete(f"/api/v1/sessions/{other}",
                           headers={**cookie(my_cookie), "Origin": "https://evil.example"})
    assert resp.status_code == 403 and resp.json()["error"] == "access_denied"
    assert web.alive(other)


def test_global_logout_with_the_cookie_ends_everything_and_clears_it(web: Web, user: str) -> None:
    sids = [web.login(user)[0] for _ in range(2)]
    current, current_cookie = web.login(user)
    bystander, _ = web.login(user + "-other")
    resp = web.http.post("/api/v1/logout", headers={**cookie(current_cookie), **SAME})
    assert resp.status_code == 200 and resp.json() == {"revoked_sessions": 3}
    set_cookie = resp.headers["set-cookie"].lower()
    assert set_cookie.startswith("sso_session=") and "max-age=0" in set_cookie
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie and "path=/" in set_cookie
    assert not any(web.alive(s) for s in [*sids, current]) and web.alive(bystander)
    again = web.http.get("/api/v1/sessions", headers=cookie(current_cookie))
    assert again.status_code == 401


def test_behind_an_https_issuer_the_host_prefixed_cookie_is_read_and_cleared(replica, user: str) -> None:
    https = "https://id.test"
    with replica(ISSUER=https) as r, TestClient(r.service.http_app, base_url=https) as http:
        _, value = create_session(r.service.deps, user, "203.0.113.5", "Firefox", ["pwd"])
        plain = http.get("/api/v1/sessions", headers=cookie(value))
        listed = http.get("/api/v1/sessions", headers={"Cookie": f"__Host-sso_session={value}"})
        out = http.post("/api/v1/logout", headers={"Cookie": f"__Host-sso_session={value}", "Origin": https})
    assert plain.status_code == 401 and listed.status_code == 200
    assert out.status_code == 200
    cleared = out.headers["set-cookie"]
    assert cleared.startswith("__Host-sso_session=") and "Max-Age=0" in cleared
    assert "Secure" in cleared and "Path=/" in cleared and "Domain" not in cleared


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"}, {}, {"Origin": "null"},
    {"Referer": "https://evil.example/page"}, {"Sec-Fetch-Site": "cross-site"}])
def test_cookie_logout_from_another_site_is_refused(web: Web, user: str, headers: dict) -> None:
    sid, my_cookie = web.login(user)
    resp = web.http.post("/api/v1/logout", headers={**cookie(my_cookie), **headers})
    assert resp.status_code == 403 and resp.json()["error"] == "access_denied"
    assert web.alive(sid)


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin"}, {"Referer": ISSUER + "/api/v1/logout"}])
def test_cookie_logout_from_our_own_pages_passes(web: Web, user: str, headers: dict) -> None:
    sid, my_cookie = web.login(user)
    resp = web.http.post("/api/v1/logout", headers={**cookie(my_cookie), **headers})
    assert resp.status_code == 200 and not web.alive(sid)


def test_logout_scope_current_ends_only_this_session(web: Web, user: str) -> None:
    this, this_cookie = web.login(user)
    other, _ = web.login(user)
    resp = web.http.post("/api/v1/logout?scope=current", headers={**cookie(this_cookie), **SAME})
    assert resp.json() == {"revoked_sessions": 1} and "max-age=0" in resp.headers["set-cookie"].lower()
    assert not web.alive(this) and web.alive(other)
    bad = web.http.post("/api/v1/logout?scope=bogus", headers={**cookie(this_cookie), **SAME})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"


def test_bearer_logout_needs_no_origin(web: Web, user: str) -> None:
    one, _ = web.login(user)
    two, _ = web.login(user)
    resp = web.http.post("/api/v1/logout?scope=current", headers=web.bearer(user, two))
    assert resp.status_code == 200 and resp.json() == {"revoked_sessions": 1}
    assert web.alive(one) and not web.alive(two)
    resp = web.http.post("/api/v1/logout", headers=web.bearer(user, one))
    assert resp.json() == {"revoked_sessions": 1} and not web.alive(one)
    assert web.http.post("/api/v1/logout").status_code == 401


def test_form_logout_redirects_on_site_only(web: Web, user: str) -> None:
    sid, my_cookie = web.login(user)
    resp = web.http.post("/api/v1/logout", data={"return_to": "/bye"}, follow_redirects=False,
                         headers={**cookie(my_cookie), "Sec-Fetch-Site": "same-origin"})
    assert resp.status_code == 303 and resp.headers["location"] == "/bye"
    assert "max-age=0" in resp.headers["set-cookie"].lower() and not web.alive(sid)
    # Already signed out: still a clean redirect, the dead cookie cleared again.
    resp = web.http.post("/api/v1/logout", data={"return_to": "https://evil.example/"},
                         follow_redirects=False,
                         headers={**cookie(my_cookie), "Sec-Fetch-Site": "same-origin"})
    assert resp.status_code == 303 and resp.headers["location"] == "/"


def test_logout_page_offers_the_buttons_under_a_strict_csp(web: Web) -> None:
    resp = web.http.get("/api/v1/logout", params={"return_to": '/x"><script>'})
    assert resp.status_code == 200 and "text/html" in resp.headers["content-type"]
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    assert 'action="/api/v1/logout"' in resp.text and "scope=current" in resp.text
    assert "<script>" not in resp.text


def test_a_logout_reaches_the_revocation_feed(web: Web, user: str) -> None:
    sid, my_cookie = web.login(user)
    with web.service.hub.subscribe() as inbox:  # type: ignore[attr-defined]
        web.http.post("/api/v1/logout", headers={**cookie(my_cookie), **SAME})
        # The feed also carries other sessions' revocations (the periodic re-read of the
        # record may deliver earlier tests' in the same batch): look for this one.
        delivered: list[str] = []
        deadline = time.monotonic() + 5
        while sid not in delivered and time.monotonic() < deadline:
            delivered += [r.sid for r in inbox.take(0.5)]
        assert sid in delivered


def test_token_service_down_is_503_not_a_crash(replica, user: str) -> None:
    with replica(TOKEN_GRPC_TARGET="127.0.0.1:9", GRPC_CLIENT_TIMEOUT_SECONDS=1) as r, \
            TestClient(r.service.http_app) as http:
        resp = http.get("/api/v1/sessions", headers={"Authorization": "Bearer whatever"})
    assert resp.status_code == 503 and resp.json()["error"] == "temporarily_unavailable"

