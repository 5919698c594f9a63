"""Resource indicators (RFC 8707) through the gateway, with Authlib as the client: a code
flow naming the resource API gets an access token for it alone (`aud`), refresh keeps it;
a resource the client may not use is invalid_target at /authorize (sent back to the
redirect URI) and at /token; client_credentials names its resource too."""

from __future__ import annotations

import base64
import json
import urllib.parse

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from flowkit import Flow, client_token, service_client

API = "urn:authgate:api"  # the seeded catalogue's API (read, write, admin)
OTHER = "https://elsewhere.example/api"


def claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def authorize(flow: Flow, oauth: OAuth2Client, user, **extra: str) -> tuple[str, str, str]:
    verifier = generate_token(48)
    url, state = oauth.create_authorization_url(f"{flow.base}/api/v1/oauth/authorize",
                                                code_verifier=verifier, **extra)
    with flow.browser() as browser:
        flow.login(browser, user)
        resp = browser.get(url)
    assert resp.status_code == 302, resp.text
    return resp.headers["location"], verifier, state


def test_the_access_token_is_for_the_named_resource(flow: Flow) -> None:
    user, app = flow.user(), flow.client("--grant-type", "refresh_token")
    oauth = OAuth2Client(app.client_id, app.client_secret, scope="openid read",
                         redirect_uri=app.redirect_uri, code_challenge_method="S256")
    callback, verifier, state = authorize(flow, oauth, user, resource=API)
    token = oauth.fetch_token(f"{flow.base}/api/v1/oauth/token", authorization_response=callback,
                              code_verifier=verifier, state=state, resource=API)
    assert claims(token["access_token"])["aud"] == [API]
    assert token["scope"] == "openid read"
    refreshed = oauth.refresh_token(f"{flow.base}/api/v1/oauth/token",
                                    refresh_token=token["refresh_token"])
    assert claims(refreshed["access_token"])["aud"] == [API]


def test_a_resource_the_client_may_not_use_is_invalid_target(flow: Flow) -> None:
    user, app = flow.user(), flow.client()
    oauth = OAuth2Client(app.client_id, app.client_secret, scope="openid read",
                         redirect_uri=app.redirect_uri, code_challenge_method="S256")
    callback, _, state = authorize(flow, oauth, user, resource=OTHER)
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))
    assert params["error"] == "invalid_target" and params["state"] == state

    callback, verifier, _ = authorize(flow, oauth, user, resource=API)
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))["code"]
    body = urllib.parse.urlencode([
        ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", app.redirect_uri),
        ("code_verifier", verifier), ("resource", API), ("resource", OTHER)])  # repeated: §2.2
    resp = httpx.post(f"{flow.base}/api/v1/oauth/token", auth=(app.client_id, app.client_secret),
                      content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_target"


def test_client_credentials_with_a_resource(flow: Flow) -> None:
    svc = service_client(flow, "read write")
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        ok = app.post("/api/v1/oauth/token", auth=(svc.client_id, svc.client_secret),
                      data={"grant_type": "client_credentials", "scope": "read", "resource": API})
        bad = app.post("/api/v1/oauth/token", auth=(svc.client_id, svc.client_secret),
                       data={"grant_type": "client_credentials", "scope": "read", "resource": OTHER})
    assert ok.status_code == 200 and claims(ok.json()["access_token"])["aud"] == [API]
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_target"
    assert svc.client_id in claims(client_token(flow, svc, "read").json()["access_token"])["aud"]
