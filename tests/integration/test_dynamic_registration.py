"""Dynamic client registration (RFC 7591) and management (RFC 7592) through the gateway:
openid-client registers a client with an initial access token from `authgate client
initial-token` (the registration endpoint found through discovery), then completes a code
flow with it; the registration access token reads, updates and deletes it; refusals carry
the RFC error codes."""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess

import httpx
import pytest
from flowkit import Flow

RP = pathlib.Path(__file__).resolve().parents[1] / "rp"
REGISTER = "/api/v1/oauth/register"
REDIRECT = "https://app.example/dcr/cb"
APP = {"redirect_uris": [REDIRECT], "client_name": "httpx app", "scope": "openid"}

pytestmark = pytest.mark.skipif(shutil.which("node") is None or not (RP / "node_modules").is_dir(),
                                reason="node and tests/rp/node_modules (npm ci --prefix tests/rp) needed")


def _rp(*args: str) -> dict:
    proc = subprocess.run(["node", str(RP / "dcr.mjs"), *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def _initial_token(flow: Flow, uses: int = 1) -> str:
    return flow.cli("client", "initial-token", "--ttl", "10m", "--uses", str(uses))["initial_access_token"]


def _register(flow: Flow, token: str | None, meta: dict | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{flow.base}{REGISTER}", json=APP if meta is None else meta, headers=headers)


def test_openid_client_registers_and_completes_a_code_flow(flow: Flow) -> None:
    user = flow.user()
    registered = _rp("register", flow.base, _initial_token(flow), REDIRECT)
    meta = registered["metadata"]
    assert registered["registration_endpoint"] == f"{flow.base}{REGISTER}"
    assert meta["client_secret"] and meta["registration_access_token"]
    with flow.browser() as browser:
        flow.login(browser, user)
        page = browser.get(registered["authorization_url"])
        assert page.status_code == 200, page.text  # never first-party: the consent page
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
        allowed = browser.post("/api/v1/oauth/consent", data={**fields, "decision": "allow"})
    assert allowed.status_code == 303, allowed.text
    tokens = _rp("exchange", flow.base, meta["client_id"], meta["client_secret"],
                 allowed.headers["location"], registered["verifier"], registered["state"])
    assert tokens["sub"] == user.id and tokens["aud"] == meta["client_id"] and tokens["has_access_token"]


def test_read_update_delete_with_the_registration_access_token(flow: Flow) -> None:
    body = _register(flow, _initial_token(flow)).json()
    uri = body["registration_client_uri"]
    assert uri == f"{flow.base}{REGISTER}/{body['client_id']}"
    auth = {"Authorization": f"Bearer {body['registration_access_token']}"}
    assert httpx.get(uri, headers=auth).json()["client_name"] == "httpx app"
    changed = {**APP, "client_id": body["client_id"], "client_name": "renamed",
               "redirect_uris": [REDIRECT, "https://app.example/dcr/cb2"]}
    put = httpx.put(uri, json=changed, headers=auth)
    assert put.status_code == 200 and put.json()["client_name"] == "renamed"
    wrong = httpx.get(uri, headers={"Authorization": "Bearer wrong"})
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_token")
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    assert httpx.delete(uri, headers=auth).status_code == 204
    assert httpx.get(uri, headers=auth).status_code == 401
    # deleted: the client can no longer authenticate at the token endpoint
    gone = httpx.post(f"{flow.base}/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                      auth=(body["client_id"], body["client_secret"]))
    assert gone.status_code == 401


def test_missing_invalid_and_used_up_initial_tokens_are_invalid_token(flow: Flow) -> None:
    token = _initial_token(flow)
    assert _register(flow, token).status_code == 201
    for presented in (None, "not-a-token", token):
        answer = _register(flow, presented)
        assert (answer.status_code, answer.json()["error"]) == (401, "invalid_token")


@pytest.mark.parametrize(("meta", "error"), [
    ({**APP, "redirect_uris": ["http://app.example/cb"]}, "invalid_redirect_uri"),
    ({**APP, "scope": "openid admin:users"}, "invalid_client_metadata"),
    ({**APP, "scope": "openid account"}, "invalid_client_metadata"),
    ({**APP, "response_types": ["token"]}, "invalid_client_metadata"),
])
def test_bad_metadata_and_admin_scopes_are_refused(flow: Flow, meta: dict, error: str) -> None:
    answer = _register(flow, _initial_token(flow), meta)
    assert (answer.status_code, answer.json()["error"]) == (400, error)


def test_discovery_names_the_registration_endpoint(flow: Flow) -> None:
    meta = httpx.get(f"{flow.base}/.well-known/openid-configuration").json()
    assert meta["registration_endpoint"] == f"{flow.base}{REGISTER}"
