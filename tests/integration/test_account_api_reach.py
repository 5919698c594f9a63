"""The account API's reach through the gateway (issue 15, defect 2; RFC 6750 §3.1, RFC 9068
§4): `GET /api/v1/sessions` and `POST /api/v1/logout` take a bearer token only with the
`account` scope, which only a first-party client is ever registered with or granted, and
with the account API in its `aud`; a protected gateway route checks its audience too."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
import urllib.parse
from collections.abc import Callable, Iterator

import grpc
import httpx
import pytest
from authgate_devstack.stack import Stack
from flowkit import AppClient, Flow, pkce_pair, settle_after_session_restart, validate_on_each_replica

ITEMS = "/api/v1/example/items"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _settled(send: Callable[[], httpx.Response], timeout: float = 30) -> httpx.Response:
    """The answer once the token service has the revocation feed again (a restarted
    session service is briefly 503 there: it fails closed)."""
    deadline = time.monotonic() + timeout
    while (resp := send()).status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.2)
    return resp


def _allow(browser: httpx.Client, page: httpx.Response) -> httpx.Response:
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    return browser.post("/api/v1/oauth/consent", data={**fields, "decision": "allow"})


def _register(flow: Flow, scopes: str, *flags: str) -> AppClient | None:
    cid = "ar" + secrets.token_hex(5)
    redirect = f"https://app.example/{cid}/cb"
    out = flow.cli("client", "create", "--client-id", cid, "--redirect-uri", redirect, "--scope", scopes,
                   "--grant-type", "authorization_code", *flags, check=False)
    return AppClient(cid, out["client_secret"], redirect) if out else None


@contextlib.contextmanager
def _default_api_audience(flow: Flow, audience: str) -> Iterator[None]:
    """The API `default` (read, write, admin) under another audience, on every token replica
    (each reads the catalogue again within CATALOG_POLL_SECONDS), then back."""
    def put(value: str) -> None:
        flow.cli("api", "put", "default", "--audience", value,
                 "--description", "The resource API behind the gateway")
        time.sleep(2.5)  # more than a poll on every replica
    put(audience)
    try:
        yield
    finally:
        put("urn:authgate:api")


def _signed_in_token(flow: Flow, client: AppClient, scope: str) -> str:
    """A user's token from `client`, through the consent page when it is third-party."""
    verifier, challenge = pkce_pair()
    with flow.browser() as browser:
        flow.login(browser, flow.user())
        resp = flow.authorize(browser, client, challenge=challenge, scope=scope)
        if resp.status_code == 200:  # the consent page
            resp = _allow(browser, resp)
        assert resp.status_code in (302, 303), resp.text
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(resp.headers["location"]).query)["code"][0]
    tokens = flow.exchange(client, code, verifier)
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["scope"] == scope
    return tokens.json()["access_token"]


@pytest.fixture(scope="module")
def third_party(flow: Flow) -> AppClient:
    client = _register(flow, "openid read")
    assert client is not None
    return client


def test_a_third_party_read_token_cannot_run_the_account(flow: Flow, third_party: AppClient) -> None:
    token = _signed_in_token(flow, third_party, "openid read")
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        assert app.get(ITEMS, headers=_bearer(token)).status_code == 200  # what `read` is for
        for method, path in (("GET", "/api/v1/sessions"), ("POST", "/api/v1/logout")):
            resp = app.request(method, path, headers=_bearer(token))
            assert resp.status_code == 403, (path, resp.text)
            assert resp.json()["error"] == "insufficient_scope"
            challenge = resp.headers["www-authenticate"]
            assert challenge.startswith("Bearer") and 'error="insufficient_scope"' in challenge
            assert 'scope="account"' in challenge
        # Nothing was ended: the token still works where it is meant to.
        assert app.get(ITEMS, headers=_bearer(token)).status_code == 200


def test_a_third_party_client_is_neither_registered_with_nor_granted_account(
        flow: Flow, third_party: AppClient) -> None:
    cid = "ar" + secrets.token_hex(5)
    refused = flow.cli("client", "create", "--client-id", cid, "--redirect-uri", "https://app.example/cb",
                       "--scope", "openid account", "--grant-type", "authorization_code", check=False)
    assert refused == {} and cid not in json.dumps(flow.cli("client", "list"))
    assert _register(flow, "openid account", "--first-party") is not None  # the scope exists
    with flow.browser() as browser:
        flow.login(browser, flow.user())
        resp = flow.authorize(browser, third_party, challenge=pkce_pair()[1], scope="openid read account")
    assert resp.status_code == 302
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(resp.headers["location"]).query))
    assert params["error"] == "invalid_scope" and "code" not in params


def test_a_first_party_account_token_runs_the_account(flow: Flow) -> None:
    client = _register(flow, "openid account", "--first-party")
    assert client is not None
    token = _signed_in_token(flow, client, "openid account")
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        sessions = app.get("/api/v1/sessions", headers=_bearer(token))
        assert sessions.status_code == 200 and [s["current"] for s in sessions.json()["sessions"]] == [True]
        # The account API is not the resource API: the example routes refuse it.
        assert app.get(ITEMS, headers=_bearer(token)).status_code in (401, 403)
        logout = app.post("/api/v1/logout", headers=_bearer(token))
        assert logout.status_code == 200 and logout.json() == {"revoked_sessions": 1}


def test_the_right_scope_for_another_api_is_refused(flow: Flow, stack: Stack) -> None:
    client = _register(flow, "openid read account", "--first-party")
    assert client is not None
    # Tokens minted for another resource API (`read` moved to another API in the scope
    # catalogue for a moment) and another deployment's account API (the session service's
    # ISSUER): right scopes, wrong `aud`.
    with _default_api_audience(flow, "urn:elsewhere:api"):
        other_api = _signed_in_token(flow, client, "openid read")
    account = _signed_in_token(flow, client, "openid account")
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        resp = app.get(ITEMS, headers=_bearer(other_api))
        assert resp.status_code == 401 and resp.json()["error"] == "invalid_token"
        assert 'error="invalid_token"' in resp.headers["www-authenticate"]
        reader = _signed_in_token(flow, client, "openid read")
        assert app.get(ITEMS, headers=_bearer(reader)).status_code == 200
        with stack.reconfigured("session", {"ISSUER": "http://elsewhere.example"}):
            for method, path in (("GET", "/api/v1/sessions"), ("POST", "/api/v1/logout")):
                resp = _settled(lambda: app.request(method, path, headers=_bearer(account)))  # noqa: B023
                assert resp.status_code == 401, (path, resp.text)
                assert resp.json()["error"] == "invalid_token"
                assert 'error="invalid_token"' in resp.headers["www-authenticate"]
        # Every token replica has the restarted session service back (its revocation feed, and
        # its channels for a sign-in and a code exchange), as the tests after this one expect.
        settle_after_session_restart(flow, stack)
        deadline = time.monotonic() + 30
        while set(validate_on_each_replica(stack, account)) != {grpc.StatusCode.OK}:
            assert time.monotonic() < deadline, "a token replica never got the revocation feed back"
            time.sleep(0.2)
        assert app.get("/api/v1/sessions", headers=_bearer(account)).status_code == 200
