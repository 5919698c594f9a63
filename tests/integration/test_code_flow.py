"""The authorization-code flow end to end through Envoy (RFC 6749 §4.1, RFC 7636, RFC 9207,
OIDC Core §3.1): CLI set-up → authorize → login page → login → code → token → userinfo."""

from __future__ import annotations

import base64
import hashlib
import re
import time
import urllib.parse

import httpx
from authlib.jose import JsonWebKey, JsonWebToken
from flowkit import Flow, pkce_pair


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).items()}


def test_browser_walks_the_whole_flow(flow: Flow) -> None:
    user = flow.user()
    client = flow.client()
    verifier, challenge = pkce_pair()

    with flow.browser() as browser:
        # No cookie: the authorize endpoint sends the browser to the login page.
        resp = flow.authorize(browser, client, challenge=challenge, nonce="n-0S6", state="xyz")
        assert resp.status_code == 302
        login_url = urllib.parse.urlsplit(resp.headers["location"])
        assert login_url.path == "/api/v1/sso/login"
        return_to = _query(resp.headers["location"])["return_to"]
        assert return_to.startswith("/api/v1/oauth/authorize?")

        # The login page is a form carrying return_to and a CSRF token.
        page = browser.get(resp.headers["location"])
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        csrf = re.search(r'name="csrf_token"\s+value="([^"]+)"', page.text)
        assert csrf, page.text

        # Posting the form: 303 back to return_to with the session cookie.
        resp = browser.post("/api/v1/sso/login", data={
            "username": user.username, "password": user.password,
            "return_to": return_to, "csrf_token": csrf.group(1)})
        assert resp.status_code == 303, resp.text
        assert resp.headers["location"] == return_to
        set_cookie = resp.headers["set-cookie"]
        assert set_cookie.startswith("sso_session=")
        assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie.replace("Lax", "lax")
        cookie_value = browser.cookies.get("sso_session")
        assert cookie_value and user.username not in cookie_value and user.id not in cookie_value

        # Back at authorize with the cookie: a code for the client, with state and iss.
        resp = browser.get(return_to)
        assert resp.status_code == 302
        location = resp.headers["location"]
        assert location.startswith(client.redirect_uri + "?")
        params = _query(location)
        assert params["state"] == "xyz"
        assert params["iss"] == flow.base
        code = params["code"]

    resp = flow.exchange(client, code, verifier)
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store"
    body = resp.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert set(body["scope"].split()) == {"openid", "profile", "email", "read"}

    # Both tokens verify with the published JWKS.
    discovery = httpx.get(f"{flow.base}/.well-known/openid-configuration").json()
    assert discovery["issuer"] == flow.base
    jwks = httpx.get(discovery["jwks_uri"]).json()
    assert all(k["kty"] == "RSA" and k["use"] == "sig" and k["alg"] == "RS256" and k["kid"]
               for k in jwks["keys"])
    keys = JsonWebKey.import_key_set(jwks)
    jwt = JsonWebToken(["RS256"])

    access = jwt.decode(body["access_token"], keys)
    assert access.header["typ"] == "at+jwt" and access.header["kid"]
    access.validate(now=int(time.time()))
    assert access["iss"] == flow.base
    assert access["sub"] == user.id
    assert access["client_id"] == client.client_id
    assert access["sid"]
    assert access["jti"]
    assert set(access["scope"].split()) == {"openid", "profile", "email", "read"}
    assert access["exp"] - access["iat"] == 900

    id_token = jwt.decode(body["id_token"], keys)
    id_token.validate(now=int(time.time()))
    assert id_token["aud"] == client.client_id or client.client_id in id_token["aud"]
    assert id_token["sub"] == user.id
    assert id_token["nonce"] == "n-0S6"
    assert id_token["sid"] == access["sid"]
    assert id_token["auth_time"] <= int(time.time())
    digest = hashlib.sha256(body["access_token"].encode()).digest()
    assert id_token["at_hash"] == base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()

    # Userinfo with the access token.
    info = httpx.get(f"{flow.base}/api/v1/userinfo/me",
                     headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200, info.text
    claims = info.json()
    assert claims["sub"] == user.id
    assert claims["iss"] == flow.base
    assert claims["preferred_username"] == user.username
    assert claims["email"] == f"{user.username}@example.com"
    post = httpx.post(f"{flow.base}/api/v1/userinfo/me",
                      headers={"Authorization": f"Bearer {body['access_token']}"})
    assert post.status_code == 200 and post.json()["sub"] == user.id


def test_sso_second_client_needs_no_login(flow: Flow) -> None:
    user = flow.user()
    first, second = flow.client(), flow.client()
    with flow.browser() as browser:
        flow.login(browser, user)
        for client in (first, second):
            verifier, challenge = pkce_pair()
            code = flow.code(browser, client, challenge)
            assert flow.exchange(client, code, verifier).status_code == 200


def test_public_client_with_pkce(flow: Flow) -> None:
    client = flow.client(public=True)
    assert client.client_secret == ""
    tokens = flow.tokens(client=client, scope="openid read")
    assert tokens["access_token"] and tokens["id_token"]


def test_json_login_sets_the_cookie(flow: Flow) -> None:
    user = flow.user()
    with flow.browser() as browser:
        resp = flow.login(browser, user)
        assert resp.json()["user_id"] == user.id
        cookie = resp.headers["set-cookie"]
        assert "HttpOnly" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # SESSION_COOKIE_SECURE=false in development
