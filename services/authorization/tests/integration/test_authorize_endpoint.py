"""GET|POST /api/v1/oauth/authorize over real PostgreSQL and a gRPC SessionService on
port 0 (RFC 6749 §4.1.1, §4.1.2.1; RFC 7636; RFC 9207)."""

from __future__ import annotations

import secrets
import urllib.parse

from authgate.authorization.v1 import authorization_pb2 as az
from authorization_service.bootstrap import bootstrap
from fastapi.testclient import TestClient

PATH = "/api/v1/oauth/authorize"
ISSUER = "https://auth.example"


def _params(client: az.Client, challenge: str, **extra: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": client.client_id,
            "redirect_uri": client.redirect_uris[0], "scope": "openid read", "state": "xyz",
            "code_challenge": challenge, "code_challenge_method": "S256", **extra}


def test_no_cookie_goes_to_login_with_return_to(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel)
    _, challenge = harness.pkce_pair()
    resp = harness.http.get(PATH, params=_params(client, challenge))
    assert resp.status_code == 302
    assert resp.headers["cache-control"] == "no-store"
    location = urllib.parse.urlsplit(resp.headers["location"])
    assert location.path == "/api/v1/sso/login"
    return_to = harness.query(resp.headers["location"])["return_to"]
    assert return_to.startswith(PATH + "?")
    assert harness.query(return_to) == _params(client, challenge)


def test_unknown_cookie_goes_to_login(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel)
    resp = harness.http.get(PATH, params=_params(client, harness.pkce_pair()[1]),
                            headers={"cookie": "__Host-sso_session=" + secrets.token_urlsafe(32)})
    assert resp.status_code == 302
    assert resp.headers["location"].startswith("/api/v1/sso/login?return_to=")


def test_cookie_gets_a_code_with_state_and_iss(harness, grpc_channel) -> None:
    client, secret = harness.client(grpc_channel)
    verifier, challenge = harness.pkce_pair()
    cookie, session = harness.sessions.sign_in("alice")
    resp = harness.http.get(PATH, params=_params(client, challenge),
                            headers={"cookie": f"__Host-sso_session={cookie}"})
    assert resp.status_code == 302
    assert resp.headers["location"].startswith(client.redirect_uris[0] + "?")
    params = harness.query(resp.headers["location"])
    assert params["state"] == "xyz" and params["iss"] == ISSUER and params["code"]
    grant = harness.stub(grpc_channel).RedeemCode(az.RedeemCodeRequest(
        code=params["code"], client_id=client.client_id, redirect_uri=client.redirect_uris[0],
        code_verifier=verifier)).grant
    assert grant.user_id == "alice" and grant.sid == session.sid


def test_post_form_gets_a_code(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel)
    cookie, _ = harness.sessions.sign_in()
    resp = harness.http.post(PATH, data=_params(client, harness.pkce_pair()[1]),
                             headers={"cookie": f"__Host-sso_session={cookie}"})
    assert resp.status_code == 302 and "code" in harness.query(resp.headers["location"])


def test_unregistered_redirect_uri_is_400_without_location(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel)
    cookie, _ = harness.sessions.sign_in()
    for uri in ("https://evil.example/cb", client.redirect_uris[0] + "/x", client.redirect_uris[0] + "?a=1"):
        resp = harness.http.get(PATH, params=_params(client, harness.pkce_pair()[1], redirect_uri=uri),
                                headers={"cookie": f"__Host-sso_session={cookie}"})
        assert resp.status_code == 400
        assert "location" not in resp.headers
        assert resp.headers["content-type"].startswith("text/html")
        assert resp.headers["x-frame-options"] == "DENY"


def test_plain_pkce_redirects_with_invalid_request(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel)
    cookie, _ = harness.sessions.sign_in()
    verifier, _ = harness.pkce_pair()
    resp = harness.http.get(PATH, params=_params(client, verifier[:43], code_challenge_method="plain"),
                            headers={"cookie": f"__Host-sso_session={cookie}"})
    assert resp.status_code == 302
    params = harness.query(resp.headers["location"])
    assert params["error"] == "invalid_request"
    assert params["state"] == "xyz" and params["iss"] == ISSUER and "code" not in params


def test_session_service_unavailable_is_503(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel)
    settings = harness.settings.model_copy(update={"SESSION_GRPC_TARGET": "127.0.0.1:1",
                                                   "GRPC_CLIENT_TIMEOUT_SECONDS": 2.0})
    service = bootstrap(settings)
    try:
        with TestClient(service.http_app, follow_redirects=False) as http:
            resp = http.get(PATH, params=_params(client, harness.pkce_pair()[1]),
                            headers={"cookie": "__Host-sso_session=abc"})
        assert resp.status_code == 503
        assert resp.json()["error"] == "temporarily_unavailable"
        assert "location" not in resp.headers
    finally:
        service.close()
