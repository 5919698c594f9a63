"""The public HTTP surface with FastAPI's TestClient over real Redis and PostgreSQL:
code exchange (RFC 6749 §4.1.3), replay (RFC 9700 §4.2.4), client authentication
(§2.3.1), userinfo (OIDC Core §5.3, RFC 6750 §3), discovery (RFC 8414) and JWKS."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time

import pytest
from authlib.jose import JsonWebKey, JsonWebToken

REDIRECT = "https://app.example/cb"
TOKEN = "/api/v1/oauth/token"
USERINFO = "/api/v1/userinfo/me"


@pytest.fixture
def client(harness):
    client_id, secret = "c-" + secrets.token_hex(4), secrets.token_urlsafe(32)
    harness.fakes.add_client(client_id, secret)
    return client_id, secret


def _exchange(harness, client, code: str, auth=None):
    return harness.http.post(TOKEN, data={"grant_type": "authorization_code", "code": code,
                                          "redirect_uri": REDIRECT, "code_verifier": "v" * 43},
                             auth=auth or client)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_code_exchange_tokens_verify_with_the_jwks(harness, client) -> None:
    resp = _exchange(harness, client, harness.fakes.add_code(client[0]))
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store" and resp.headers["pragma"] == "no-cache"
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["scope"] == "openid profile email read"

    jwks = harness.http.get("/.well-known/jwks.json")
    assert jwks.headers["cache-control"] == "public, max-age=300"
    keys = JsonWebKey.import_key_set(jwks.json())
    jwt = JsonWebToken(["RS256"])
    access = jwt.decode(body["access_token"], keys)
    access.validate(now=int(time.time()))
    assert access.header["typ"] == "at+jwt" and access.header["kid"]
    assert access["iss"] == "https://auth.example" and access["client_id"] == client[0]
    # The client, and the resource API its `read` opens (API_AUDIENCE).
    assert access["aud"] == [client[0], "urn:authgate:api"] and access["sid"].startswith("sid-")

    id_token = jwt.decode(body["id_token"], keys)
    id_token.validate(now=int(time.time()))
    assert id_token["aud"] == client[0] and id_token["nonce"] == "n-0S6"
    assert id_token["sid"] == access["sid"] and id_token["email"] == "alice@example.com"
    digest = hashlib.sha256(body["access_token"].encode()).digest()
    assert id_token["at_hash"] == base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def test_replayed_code_is_refused_and_kills_the_first_access_token(harness, client) -> None:
    code = harness.fakes.add_code(client[0])
    first = _exchange(harness, client, code)
    access = first.json()["access_token"]
    assert harness.http.get(USERINFO, headers=_bearer(access)).status_code == 200

    second = _exchange(harness, client, code)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    assert second.headers["cache-control"] == "no-store"

    resp = harness.http.get(USERINFO, headers=_bearer(access))
    assert resp.status_code == 401
    assert 'error="invalid_token"' in resp.headers["www-authenticate"]


def test_wrong_secret_is_401_invalid_client(harness, client) -> None:
    resp = _exchange(harness, client, harness.fakes.add_code(client[0]), auth=(client[0], "x" * 43))
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
    assert resp.headers["www-authenticate"] == 'Basic realm="authgate"'


def test_public_client_exchanges_with_its_client_id(harness) -> None:
    harness.fakes.add_client("spa-1", public=True)
    resp = harness.http.post(TOKEN, data={
        "grant_type": "authorization_code", "code": harness.fakes.add_code("spa-1"),
        "redirect_uri": REDIRECT, "code_verifier": "v" * 43, "client_id": "spa-1"})
    assert resp.status_code == 200 and resp.json()["id_token"]


@pytest.mark.parametrize(("content", "content_type", "error"), [
    (b"grant_type=password", "application/x-www-form-urlencoded", "unsupported_grant_type"),
    (b"code=x", "application/x-www-form-urlencoded", "invalid_request"),
    (b"grant_type=authorization_code&grant_type=authorization_code", "application/x-www-form-urlencoded",
     "invalid_request"),
    (b'{"grant_type": "authorization_code"}', "application/json", "invalid_request"),
    (b"grant_type=%ff", "application/x-www-form-urlencoded", "invalid_request"),
])
def test_malformed_token_requests_get_a_clear_400(harness, client, content, content_type, error) -> None:
    resp = harness.http.post(TOKEN, content=content, headers={"content-type": content_type}, auth=client)
    assert resp.status_code == 400 and resp.json()["error"] == error
    assert resp.headers["cache-control"] == "no-store"


def test_userinfo_without_a_token(harness) -> None:
    for resp in (harness.http.get(USERINFO), harness.http.post(USERINFO)):
        assert resp.status_code == 401
        assert resp.headers["www-authenticate"] == 'Bearer realm="authgate"'


def test_userinfo_with_a_tampered_token(harness, client) -> None:
    access = _exchange(harness, client, harness.fakes.add_code(client[0])).json()["access_token"]
    header, payload, signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = "openid admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    resp = harness.http.get(USERINFO, headers=_bearer(f"{header}.{forged}.{signature}"))
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_token"
    assert resp.headers["www-authenticate"].startswith('Bearer realm="authgate", error="invalid_token"')


def test_userinfo_with_a_valid_token(harness, client) -> None:
    access = _exchange(harness, client, harness.fakes.add_code(client[0])).json()["access_token"]
    resp = harness.http.get(USERINFO, headers=_bearer(access))
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    assert resp.json() == {"sub": "u1", "scope": "openid profile email read", "iss": "https://auth.example",
                           "name": "Alice Liddell", "preferred_username": "alice",
                           "email": "alice@example.com", "email_verified": True}
    post = harness.http.post(USERINFO, data={"access_token": access})
    assert post.status_code == 200 and post.json()["sub"] == "u1"
    both = harness.http.post(USERINFO, data={"access_token": access}, headers=_bearer(access))
    assert both.status_code == 400 and both.json()["error"] == "invalid_request"


def test_userinfo_refuses_a_plain_oauth_token(harness, client) -> None:
    # OIDC Core §5.3: only a token of an OpenID request; RFC 6750 §3.1 insufficient_scope.
    access = _exchange(harness, client, harness.fakes.add_code(client[0], scopes="read")).json()
    assert "id_token" not in access
    resp = harness.http.get(USERINFO, headers=_bearer(access["access_token"]))
    assert resp.status_code == 403 and resp.json()["error"] == "insufficient_scope"
    assert resp.headers["www-authenticate"].startswith('Bearer realm="authgate", error="insufficient_scope"')
    assert resp.headers["www-authenticate"].endswith(', scope="openid"')


def test_userinfo_after_the_session_ends(harness, client) -> None:
    code = harness.fakes.add_code(client[0])
    sid = harness.fakes.codes[code].sid
    access = _exchange(harness, client, code).json()["access_token"]
    harness.fakes.live_sids.discard(sid)
    assert harness.http.get(USERINFO, headers=_bearer(access)).status_code == 401


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration",
                                  "/.well-known/oauth-authorization-server"])
def test_discovery(harness, path) -> None:
    resp = harness.http.get(path)
    assert resp.status_code == 200 and resp.headers["cache-control"] == "public, max-age=300"
    meta = resp.json()
    base = "https://auth.example"
    assert meta["issuer"] == base and meta["token_endpoint"] == f"{base}/api/v1/oauth/token"
    assert meta["jwks_uri"] == f"{base}/.well-known/jwks.json"
    assert meta["userinfo_endpoint"] == f"{base}/api/v1/userinfo/me"
    assert meta["authorization_endpoint"] == f"{base}/api/v1/oauth/authorize"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert set(meta["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic", "client_secret_post", "private_key_jwt", "none"}
    assert meta["token_endpoint_auth_signing_alg_values_supported"] == ["RS256", "PS256", "ES256"]


def test_jwks_holds_only_public_parts(harness) -> None:
    keys = harness.http.get("/.well-known/jwks.json").json()["keys"]
    assert harness.service.keys.current_kid in [k["kid"] for k in keys]
    assert len(keys) >= 2  # the next key is published before it signs
    assert all(set(k) == {"kty", "n", "e", "kid", "use", "alg"} for k in keys)
