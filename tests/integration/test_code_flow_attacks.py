"""What an attacker or a broken client sees in the code flow: RFC 6749 §4.1.2.1, §5.2,
§10.5, RFC 7636 §4.4.1/§4.6, RFC 9700 §4.2.4, RFC 6750 §3."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse

import httpx
import pytest
from flowkit import CODE_TTL_SECONDS, Flow, pkce_pair


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).items()}


def _signed_in(flow: Flow):
    user, client = flow.user(), flow.client()
    browser = flow.browser()
    flow.login(browser, user)
    return user, client, browser


def test_code_replay_fails_and_kills_the_first_tokens(flow: Flow) -> None:
    _, client, browser = _signed_in(flow)
    verifier, challenge = pkce_pair()
    code = flow.code(browser, client, challenge)
    first = flow.exchange(client, code, verifier)
    assert first.status_code == 200
    access = first.json()["access_token"]
    headers = {"Authorization": f"Bearer {access}"}
    assert httpx.get(f"{flow.base}/api/v1/userinfo/me", headers=headers).status_code == 200

    second = flow.exchange(client, code, verifier)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"

    resp = httpx.get(f"{flow.base}/api/v1/userinfo/me", headers=headers)
    assert resp.status_code == 401
    assert 'error="invalid_token"' in resp.headers["www-authenticate"]


@pytest.mark.parametrize("verifier", ["another", None], ids=["wrong", "missing"])
def test_wrong_or_missing_verifier_is_invalid_grant(flow: Flow, verifier: str | None) -> None:
    _, client, browser = _signed_in(flow)
    _, challenge = pkce_pair()
    code = flow.code(browser, client, challenge)
    resp = flow.exchange(client, code, pkce_pair()[0] if verifier else None)  # not the challenge's
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_verifier_without_challenge_is_invalid_request(flow: Flow) -> None:
    user = flow.user()
    client = flow.client("--pkce-optional")
    with flow.browser() as browser:
        flow.login(browser, user)
        code = flow.code(browser, client, None)
    verifier, _ = pkce_pair()
    resp = flow.exchange(client, code, verifier)
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"


def test_pkce_is_required_by_default(flow: Flow) -> None:
    _, client, browser = _signed_in(flow)
    resp = flow.authorize(browser, client, challenge=None, state="s1")
    assert resp.status_code == 302
    params = _query(resp.headers["location"])
    assert params["error"] == "invalid_request"
    assert params["state"] == "s1" and params["iss"] == flow.base
    assert "code" not in params


def test_plain_pkce_is_refused(flow: Flow) -> None:
    _, client, browser = _signed_in(flow)
    verifier, _ = pkce_pair()
    resp = browser.get("/api/v1/oauth/authorize", params={
        "response_type": "code", "client_id": client.client_id, "redirect_uri": client.redirect_uri,
        "scope": "openid", "state": "s2", "code_challenge": verifier,
        "code_challenge_method": "plain"})
    assert resp.status_code == 302
    params = _query(resp.headers["location"])
    assert params["error"] == "invalid_request" and params["state"] == "s2"
    assert "code" not in params


@pytest.mark.parametrize("redirect_uri", [
    "https://evil.example/cb", "https://app.example/other/cb", "https://app.example/{cid}/cb/extra",
    "https://app.example/{cid}/cb?x=1"])
def test_unregistered_redirect_uri_is_never_followed(flow: Flow, redirect_uri: str) -> None:
    _, client, browser = _signed_in(flow)
    _, challenge = pkce_pair()
    resp = browser.get("/api/v1/oauth/authorize", params={
        "response_type": "code", "client_id": client.client_id,
        "redirect_uri": redirect_uri.format(cid=client.client_id), "scope": "openid",
        "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"})
    assert resp.status_code == 400
    assert "location" not in resp.headers


def test_scope_beyond_the_client_is_invalid_scope(flow: Flow) -> None:
    _, client, browser = _signed_in(flow)
    _, challenge = pkce_pair()
    resp = flow.authorize(browser, client, challenge=challenge, scope="openid admin")
    assert _query(resp.headers["location"])["error"] == "invalid_scope"


def test_wrong_client_secret_is_401_invalid_client(flow: Flow) -> None:
    _, client, browser = _signed_in(flow)
    verifier, challenge = pkce_pair()
    code = flow.code(browser, client, challenge)
    resp = flow.exchange(client, code, verifier, auth=(client.client_id, "x" * 43))
    assert resp.status_code == 401
    assert resp.json()["error"] == "invalid_client"
    assert resp.headers["www-authenticate"].startswith("Basic")


def test_expired_code_is_invalid_grant(flow: Flow) -> None:
    _, client, browser = _signed_in(flow)
    verifier, challenge = pkce_pair()
    code = flow.code(browser, client, challenge)
    time.sleep(CODE_TTL_SECONDS + 1.5)
    resp = flow.exchange(client, code, verifier)
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_code_of_one_client_redeemed_by_another(flow: Flow) -> None:
    user = flow.user()
    victim, attacker = flow.client(), flow.client()
    verifier, challenge = pkce_pair()
    with flow.browser() as browser:
        flow.login(browser, user)
        code = flow.code(browser, victim, challenge)
    resp = flow.exchange(attacker, code, verifier, redirect_uri=victim.redirect_uri)
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_userinfo_without_a_token(flow: Flow) -> None:
    resp = httpx.get(f"{flow.base}/api/v1/userinfo/me")
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"].startswith("Bearer")
    assert "error=" not in resp.headers["www-authenticate"]


def test_userinfo_with_a_tampered_token(flow: Flow) -> None:
    access = flow.tokens()["access_token"]
    header, payload, signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = "openid admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    resp = httpx.get(f"{flow.base}/api/v1/userinfo/me",
                     headers={"Authorization": f"Bearer {header}.{forged}.{signature}"})
    assert resp.status_code == 401
    assert 'error="invalid_token"' in resp.headers["www-authenticate"]


def test_unknown_grant_type(flow: Flow) -> None:
    client = flow.client()
    resp = httpx.post(f"{flow.base}/api/v1/oauth/token", data={"grant_type": "password"},
                      auth=(client.client_id, client.client_secret))
    assert resp.status_code == 400 and resp.json()["error"] == "unsupported_grant_type"
