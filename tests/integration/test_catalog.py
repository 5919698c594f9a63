"""The scope catalogue through the whole stack (issue 17): the operator defines an API and
a scope with the CLI; a client registered with the scope gets access tokens naming the
API's audience in `aud`; discovery lists the scope within a second or two; a person sees
the scope's description on the consent page (headless Chromium) and its claims reach
userinfo; a scope a client still holds cannot be deleted."""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest
from authgate.authorization.v1 import authorization_pb2 as apb
from authgate.authorization.v1 import authorization_pb2_grpc as apb_grpc
from authgate_cli.operator_tls import OperatorCertificate
from authgate_cli.rpc import ServiceClient
from authgate_common import pki
from authgate_common.core.errors import InvalidRequest, NotFound
from authgate_devstack.stack import Stack
from flowkit import AppClient, Flow, client_token, pkce_pair, service_client

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DISCOVERY = "/.well-known/openid-configuration"


def _payload(jwt: str) -> dict:
    body = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _within(seconds: float, check, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what} not within {seconds} s"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def catalog(stack: Stack) -> Iterator[ServiceClient]:
    """CatalogService on the authorization service's operator listener."""
    certificate = OperatorCertificate(pki.TlsFiles.in_dir(stack.pki_dir / "operator"))
    client = ServiceClient("authorization", stack.operator_targets("authorization"),
                           apb_grpc.CatalogServiceStub, 10, certificate)
    yield client
    client.close()


@pytest.fixture(scope="module")
def orders(flow: Flow) -> tuple[str, str, str]:
    """An API and a scope of it, defined with the CLI: (scope, audience, description)."""
    tag = secrets.token_hex(4)
    api, scope, audience = f"orders-{tag}", f"orders{tag}:read", f"https://orders-{tag}.example.com"
    description = f"Read your orders <{tag}> & returns"
    put = flow.cli("api", "put", api, "--audience", audience, "--description", "The order service")
    assert put["audience"] == audience and put["changed"] is True
    scoped = flow.cli("scope", "put", scope, "--api", api, "--description", description,
                      "--claim", "name", "--access-token-claim", "preferred_username")
    assert scoped["api"] == api and scoped["claims"] == ["name"]
    assert scope in [s["name"] for s in flow.cli("scope", "list")]
    return scope, audience, description


def test_discovery_lists_a_new_scope_within_a_second_or_two(flow: Flow, orders) -> None:
    scope = orders[0]
    with httpx.Client(base_url=flow.base, timeout=10) as http:
        def listed() -> dict | None:
            doc = http.get(DISCOVERY).json()
            return doc if scope in doc["scopes_supported"] else None
        doc = _within(3, listed, "the scope in discovery")
    assert "preferred_username" in doc["claims_supported"]
    assert not [s for s in doc["scopes_supported"] if s.startswith("admin:")]


def test_a_client_credentials_token_names_the_apis_audience(flow: Flow, orders) -> None:
    scope, audience, _ = orders
    client = service_client(flow, f"{scope} read")
    resp = _within(3, lambda: (r := client_token(flow, client, scope)).status_code == 200
                   and audience in _payload(r.json()["access_token"])["aud"] and r, "the API's audience")
    claims = _payload(resp.json()["access_token"])
    assert claims["aud"] == [client.client_id, audience] and claims["scope"] == scope
    assert "preferred_username" not in claims  # no user behind a client_credentials token


def test_deleting_a_scope_a_client_holds_is_refused(flow: Flow, catalog: ServiceClient) -> None:
    tag = secrets.token_hex(4)
    scope = f"held{tag}"
    flow.cli("scope", "put", scope, "--description", "Held")
    client = service_client(flow, scope)
    with pytest.raises(InvalidRequest, match=client.client_id):
        catalog.call("DeleteScope", apb.DeleteScopeRequest(name=scope))
    assert flow.cli("scope", "delete", scope, check=False) == {}  # the CLI: exit 1
    flow.cli("client", "delete", "--client-id", client.client_id)
    flow.cli("scope", "delete", scope)
    with pytest.raises(NotFound):
        catalog.call("DeleteScope", apb.DeleteScopeRequest(name=scope))


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("no /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_the_consent_page_shows_the_scopes_description_and_the_token_its_api(
        flow: Flow, orders, chromium) -> None:
    scope, audience, description = orders
    user = flow.user()
    client: AppClient = flow.client("--name", "Order Viewer", scopes=f"openid {scope}", first_party=False)
    verifier, challenge = pkce_pair()
    context = chromium.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.route("https://app.example/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><title>app</title>"))
    try:
        page.goto(flow.base + "/api/v1/oauth/authorize?" + urllib.parse.urlencode({
            "response_type": "code", "client_id": client.client_id, "redirect_uri": client.redirect_uri,
            "scope": f"openid {scope}", "state": "cat", "code_challenge": challenge,
            "code_challenge_method": "S256"}))
        page.wait_for_url("**/api/v1/sso/login?**")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(user.password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        allow = page.get_by_role("button", name="Allow")
        allow.wait_for()
        items = page.get_by_role("list", name="What the application asks for").inner_text()
        assert description in items and "Confirm your identity" in items  # the text, not markup
        allow.click()
        page.wait_for_url(client.redirect_uri + "?**")
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))["code"]
    finally:
        context.close()
    resp = flow.exchange(client, code, verifier)
    assert resp.status_code == 200, resp.text
    access = _payload(resp.json()["access_token"])
    assert access["aud"] == [client.client_id, audience]
    assert access["preferred_username"] == user.username  # the scope's access_token_claims
    bearer = {"Authorization": f"Bearer {resp.json()['access_token']}"}
    with httpx.Client(base_url=flow.base, timeout=10) as http:
        info = http.get("/api/v1/userinfo/me", headers=bearer)
    assert info.status_code == 200 and info.json()["name"] == "Test User"  # the scope's claims
