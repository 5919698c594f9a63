"""A client registered with `--require-nonce` (OIDC Core §3.1.2.1, §15.5.2): an OpenID
request without a nonce comes back to its redirect URI as invalid_request (with state and
iss, no code); with one, the ID token carries it. Other clients may still omit it."""

from __future__ import annotations

import base64
import json
import urllib.parse

from flowkit import Flow, pkce_pair


def query(location: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def test_openid_request_without_nonce_is_refused_at_the_redirect_uri(flow: Flow) -> None:
    client = flow.client("--require-nonce")
    with flow.browser() as browser:
        flow.login(browser, flow.user())
        resp = flow.authorize(browser, client, challenge=pkce_pair()[1], state="keep-me")
    assert resp.status_code == 302 and resp.headers["location"].startswith(client.redirect_uri + "?")
    params = query(resp.headers["location"])
    assert params["error"] == "invalid_request" and "nonce" in params["error_description"]
    assert params["state"] == "keep-me" and params["iss"] == flow.base and "code" not in params


def test_with_a_nonce_the_id_token_carries_it(flow: Flow) -> None:
    client = flow.client("--require-nonce")
    tokens = flow.tokens(client=client, nonce="n-" + "x" * 20)
    payload = tokens["id_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["nonce"] == "n-" + "x" * 20


def test_without_openid_or_without_the_flag_no_nonce_is_needed(flow: Flow) -> None:
    strict, relaxed = flow.client("--require-nonce"), flow.client()
    assert "access_token" in flow.tokens(client=strict, scope="read")
    assert "id_token" in flow.tokens(client=relaxed, scope="openid read")
