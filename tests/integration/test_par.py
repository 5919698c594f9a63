"""Pushed authorization requests (RFC 9126) through the gateway: openid-client pushes the
request (buildAuthorizationUrlWithPAR; the endpoint found through discovery), a signed-in
browser follows the short authorization URL and the code is exchanged; a browser that must
sign in first comes back without the request_uri. Refusals: a reused, expired or other
client's request_uri (an error page, never a redirect), a client registered with
--require-par sending its parameters in the query, and a push without client authentication
(401 invalid_client)."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import time
import urllib.parse

import httpx
import pytest
from flowkit import AppClient, Flow, pkce_pair

RP = pathlib.Path(__file__).resolve().parents[1] / "rp"
PAR = "/api/v1/oauth/par"

pytestmark = pytest.mark.skipif(shutil.which("node") is None or not (RP / "node_modules").is_dir(),
                                reason="node and tests/rp/node_modules (npm ci --prefix tests/rp) needed")


def _rp(*args: str) -> dict:
    proc = subprocess.run(["node", str(RP / "par.mjs"), *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def _push(flow: Flow, client: AppClient, auth: bool = True, **extra: str) -> httpx.Response:
    form = {"response_type": "code", "redirect_uri": client.redirect_uri, "scope": "openid",
            "state": "st-par", "code_challenge": pkce_pair()[1], "code_challenge_method": "S256", **extra}
    if not auth:
        form["client_id"] = client.client_id
    return httpx.post(f"{flow.base}{PAR}", data=form,
                      auth=(client.client_id, client.client_secret) if auth else None)


def _request_uri(flow: Flow, client: AppClient) -> str:
    resp = _push(flow, client)
    assert resp.status_code == 201, resp.text
    return resp.json()["request_uri"]


def _authorize(browser: httpx.Client, client: AppClient, request_uri: str) -> httpx.Response:
    return browser.get("/api/v1/oauth/authorize", params={"client_id": client.client_id,
                                                           "request_uri": request_uri})


def test_openid_client_pushes_and_completes_a_code_flow(flow: Flow) -> None:
    user, client = flow.user(), flow.client(scopes="openid profile")
    pushed = _rp("push", flow.base, client.client_id, client.client_secret, client.redirect_uri)
    assert pushed["par_endpoint"] == f"{flow.base}{PAR}"
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(pushed["authorization_url"]).query))
    assert set(query) == {"client_id", "request_uri"}
    with flow.browser() as browser:
        flow.login(browser, user)
        resp = browser.get(pushed["authorization_url"])
    assert resp.status_code == 302, resp.text
    tokens = _rp("exchange", flow.base, client.client_id, client.client_secret, resp.headers["location"],
                 pushed["verifier"], pushed["state"])
    assert tokens["sub"] == user.id and tokens["has_access_token"], tokens


def test_a_login_round_trip_needs_no_request_uri_again(flow: Flow) -> None:
    user, client = flow.user(), flow.client()
    request_uri = _request_uri(flow, client)
    with flow.browser() as browser:
        to_login = _authorize(browser, client, request_uri)
        assert to_login.status_code in (302, 303), to_login.text
        return_to = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(to_login.headers["location"]).query))[
            "return_to"]
        assert "request_uri" not in return_to
        flow.login(browser, user)
        back = browser.get(return_to)
    assert back.status_code == 302, back.text
    location = back.headers["location"]
    assert location.startswith(client.redirect_uri) and "code=" in location and "state=st-par" in location


def test_a_request_uri_is_used_once(flow: Flow) -> None:
    user, client = flow.user(), flow.client()
    request_uri = _request_uri(flow, client)
    with flow.browser() as browser:
        flow.login(browser, user)
        assert _authorize(browser, client, request_uri).status_code == 302
        again = _authorize(browser, client, request_uri)
    assert again.status_code == 400 and "location" not in again.headers


def test_another_clients_request_uri_is_refused(flow: Flow) -> None:
    user, client, other = flow.user(), flow.client(), flow.client()
    request_uri = _request_uri(flow, client)
    with flow.browser() as browser:
        flow.login(browser, user)
        resp = _authorize(browser, other, request_uri)
    assert resp.status_code == 400 and "location" not in resp.headers


def test_a_client_that_must_push_is_refused_in_the_query(flow: Flow) -> None:
    user, client = flow.user(), flow.client("--require-par")
    with flow.browser() as browser:
        flow.login(browser, user)
        plain = flow.authorize(browser, client, challenge=pkce_pair()[1])
        assert plain.status_code == 400 and "location" not in plain.headers
        assert _authorize(browser, client, _request_uri(flow, client)).status_code == 302


def test_a_push_without_client_authentication_is_401(flow: Flow) -> None:
    client = flow.client()
    resp = _push(flow, client, auth=False)
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
    wrong = httpx.post(f"{flow.base}{PAR}", data={"response_type": "code"}, auth=(client.client_id, "nope"))
    assert wrong.status_code == 401


def test_a_request_uri_expires(flow: Flow) -> None:
    user, client = flow.user(), flow.client()
    with flow.stack.reconfigured("authorization", {"PAR_REQUEST_TTL_SECONDS": "5"}):
        deadline = time.monotonic() + 20
        while (resp := _push(flow, client)).status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.5)  # the token service reconnects to the restarted authorization service
        assert resp.status_code == 201 and resp.json()["expires_in"] == 5, resp.text
        time.sleep(6)
        with flow.browser() as browser:
            flow.login(browser, user)
            late = _authorize(browser, client, resp.json()["request_uri"])
    assert late.status_code == 400 and "location" not in late.headers
    # Leaving the block restarted the authorization service once more: wait until the token
    # service reaches it again, so the tests after this one find the stack as it was.
    deadline = time.monotonic() + 20
    while _push(flow, client).status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.5)
