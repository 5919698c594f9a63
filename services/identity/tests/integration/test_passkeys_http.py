"""Passkeys through the identity service's HTTP app on real PostgreSQL and Redis, with a
software authenticator (tests/unit/soft_authenticator.py) playing browser and passkey,
under an https ISSUER (so the cookies are `__Host-` and Secure): register on the account
side, sign in without a password, confirm a password sign-in; the page script is served
and allowed by the CSP; cross-site, unauthenticated and malformed calls are refused."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from authgate.identity.v1 import identity_pb2 as pb
from authgate_common.testing import REDIS_URL, redis_prefix
from fastapi import FastAPI
from fastapi.testclient import TestClient
from identity_service.bootstrap import bootstrap

sys.path.insert(0, str(Path(__file__).parent.parent / "unit"))  # the software authenticator
from soft_authenticator import SoftAuthenticator  # noqa: E402

ORIGIN = "https://login.example.test"
API = "/api/v1/sso/passkeys"
LOGIN = "/api/v1/sso/login"
SECOND_FACTOR = "/api/v1/sso/login/second-factor"


PREFIX: list[str] = []


@pytest.fixture(scope="module")
def app(harness) -> Iterator[FastAPI]:
    with redis_prefix("passkeys") as prefix:
        PREFIX[:] = [prefix]
        settings = harness.settings.model_copy(update={"ISSUER": ORIGIN, "REDIS_URL": REDIS_URL,
                                                       "REDIS_KEY_PREFIX": prefix})
        service = bootstrap(settings)
        try:
            yield service.http_app
        finally:
            service.close()


def browser(app) -> TestClient:
    return TestClient(app, base_url=ORIGIN, headers={"Origin": ORIGIN})


def csrf_of(page) -> str:
    match = re.search(r'name="csrf_token"\s+value="([^"]+)"', page.text) or re.search(
        r'data-csrf="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def call(client: TestClient, path: str, csrf: str, body: object = None, method: str = "POST"):
    return client.request(method, path, json=body, headers={"X-CSRF-Token": csrf})


def signed_in(app, harness) -> tuple[TestClient, str, pb.User]:
    """A browser signed in with a password (a recent session) and the user."""
    user = harness.user()
    client = browser(app)
    resp = client.post(LOGIN, json={"username": user.username, "password": harness.password})
    assert resp.status_code == 200, resp.text
    return client, csrf_of(client.get(LOGIN)), user  # the login pages' CSRF token


def register(client: TestClient, csrf: str, name: str = "Laptop", **kwargs: bool) -> SoftAuthenticator:
    options = call(client, f"{API}/registration/options", csrf, {})
    assert options.status_code == 200, options.text
    authenticator = SoftAuthenticator(ORIGIN, **kwargs)
    done = call(client, f"{API}/registration/verify", csrf,
                {"credential": authenticator.create(options.json()), "name": name})
    assert done.status_code == 201, done.text
    return authenticator


def test_the_account_page_registers_a_passkey(app, harness) -> None:
    client, csrf, user = signed_in(app, harness)
    page = client.get("/api/v1/sso/account/security")
    assert page.status_code == 200, page.text
    assert "script-src 'self'; connect-src 'self'" in page.headers["content-security-policy"]
    assert 'data-passkeys="register"' in page.text
    register(client, csrf, "Work laptop")
    listed = client.get(API).json()["passkeys"]
    assert [(p["name"], p["backup_eligible"], p["transports"]) for p in listed] == [
        ("Work laptop", False, ["internal"])]
    assert "Work laptop" in client.get("/api/v1/sso/account/security").text


def test_a_passkey_signs_in_without_a_password(app, harness) -> None:
    client, csrf, user = signed_in(app, harness)
    authenticator = register(client, csrf)
    fresh = browser(app)
    page = fresh.get(LOGIN, params={"return_to": "/api/v1/oauth/authorize?client_id=web"})
    assert 'data-purpose="passwordless"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    token = csrf_of(page)
    options = call(fresh, f"{API}/authentication/options", token, {"purpose": "passwordless"})
    assert options.status_code == 200 and options.json()["userVerification"] == "required"
    done = call(fresh, f"{API}/authentication/verify", token, {
        "purpose": "passwordless", "credential": authenticator.get(options.json()),
        "return_to": "/api/v1/oauth/authorize?client_id=web"})
    assert done.status_code == 200, done.text
    assert done.json() == {"redirect": "/api/v1/oauth/authorize?client_id=web"}
    cookie = next(h for h in done.headers.get_list("set-cookie") if h.startswith("__Host-sso_session="))
    assert "secure" in cookie.lower() and "httponly" in cookie.lower()
    created = harness.sessions.created[-1]
    assert (created.user_id, list(created.amr)) == (user.id, ["hwk", "user", "mfa"])
    # The same assertion again: its challenge is used up.
    again = call(fresh, f"{API}/authentication/verify", token, {
        "purpose": "passwordless", "credential": authenticator.get(options.json())})
    assert again.status_code in (400, 401) and again.json()["error"] in ("invalid_request", "login_required")


def test_a_passkey_confirms_a_password_sign_in(app, harness) -> None:
    client, csrf, user = signed_in(app, harness)
    authenticator = register(client, csrf)
    fresh = browser(app)
    token = csrf_of(fresh.get(LOGIN))
    resp = fresh.post(LOGIN, data={"username": user.username, "password": harness.password,
                                   "return_to": "/next", "csrf_token": token}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == SECOND_FACTOR
    page = fresh.get(SECOND_FACTOR)
    assert 'data-purpose="second_factor"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    token = csrf_of(page)
    options = call(fresh, f"{API}/authentication/options", token, {"purpose": "second_factor"})
    assert options.status_code == 200, options.text
    done = call(fresh, f"{API}/authentication/verify", token,
                {"purpose": "second_factor", "credential": authenticator.get(options.json())})
    assert done.status_code == 200, done.text
    assert done.json() == {"redirect": "/next"}
    assert list(harness.sessions.created[-1].amr) == ["pwd", "hwk", "user", "mfa"]
    assert any(h.startswith("__Host-mfa_pending=") and "max-age=0" in h.lower()
               for h in done.headers.get_list("set-cookie"))


def test_rename_and_remove_need_the_owner(app, harness) -> None:
    client, csrf, _ = signed_in(app, harness)
    register(client, csrf)
    passkey_id = client.get(API).json()["passkeys"][0]["id"]
    other, other_csrf, _ = signed_in(app, harness)
    assert call(other, f"{API}/{passkey_id}", other_csrf, {"name": "mine"}, "PATCH").status_code == 404
    assert call(other, f"{API}/{passkey_id}", other_csrf, method="DELETE").status_code == 404
    renamed = call(client, f"{API}/{passkey_id}", csrf, {"name": "Phone"}, "PATCH")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Phone"
    assert call(client, f"{API}/{passkey_id}", csrf, {"name": "x" * 65}, "PATCH").status_code == 400
    assert call(client, f"{API}/{passkey_id}", csrf, method="DELETE").status_code == 204
    assert client.get(API).json() == {"passkeys": []}


def test_cross_site_and_unauthenticated_calls_are_refused(app, harness) -> None:
    client, csrf, _ = signed_in(app, harness)
    evil = client.post(f"{API}/registration/options", json={},
                       headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
    assert evil.status_code == 403
    assert call(client, f"{API}/registration/options", "wrong-token", {}).status_code == 400
    form = client.post(f"{API}/registration/verify", content=b"{}",
                       headers={"X-CSRF-Token": csrf, "Content-Type": "text/plain"})
    assert form.status_code == 400 and form.json()["error"] == "invalid_request"
    stranger = browser(app)
    token = csrf_of(stranger.get(LOGIN))
    nobody = call(stranger, f"{API}/registration/options", token, {})
    assert nobody.status_code == 401 and nobody.json()["error"] == "login_required"
    assert stranger.get(API).status_code == 401


@pytest.mark.parametrize("credential", [None, "x", {}, {"response": {"clientDataJSON": "bm9wZQ"}}, [1, 2]])
def test_malformed_answers_are_4xx_never_500(app, harness, credential: object) -> None:
    client = browser(app)
    token = csrf_of(client.get(LOGIN))
    body = {"purpose": "passwordless", "credential": credential}
    resp = call(client, f"{API}/authentication/verify", token, body)
    assert 400 <= resp.status_code < 500 and "error" in resp.json()
    assert call(client, f"{API}/authentication/options", token, {"purpose": "other"}).status_code == 400


def test_challenges_live_in_redis_for_five_minutes(app) -> None:
    client = browser(app)
    token = csrf_of(client.get(LOGIN))
    options = call(client, f"{API}/authentication/options", token, {"purpose": "passwordless"})
    assert options.status_code == 200
    r = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(r.scan_iter(match=PREFIX[0] + "identity:webauthn:*"))
        assert keys and all(0 < r.ttl(k) <= 300 for k in keys)
    finally:
        r.close()


def test_the_page_script_is_served_cacheable(app) -> None:
    client = browser(app)
    script = client.get("/api/v1/sso/static/passkeys.js")
    assert script.status_code == 200
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.headers["cache-control"] == "public, max-age=3600"
    assert script.headers["x-content-type-options"] == "nosniff"
    assert "navigator.credentials" in script.text
    again = client.get("/api/v1/sso/static/passkeys.js", headers={"If-None-Match": script.headers["etag"]})
    assert again.status_code == 304
