"""The device authorization grant (RFC 8628) through the gateway, whole stack: openid-client
(a certified RP library) runs initiateDeviceAuthorization and pollDeviceAuthorizationGrant
while the test, as the person's browser, signs in, types the user code and consents; then
the §3.5 refusals with httpx: polling too fast, denied, and a wrong user code."""

from __future__ import annotations

import contextlib
import json
import pathlib
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from flowkit import Flow, SignInUser

RP = pathlib.Path(__file__).resolve().parents[1] / "rp"
GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE = "/api/v1/oauth/device"


def _client(flow: Flow) -> str:
    cid = "tv" + secrets.token_hex(5)
    flow.cli("client", "create", "--client-id", cid, "--name", "Living Room TV", "--scope", "openid read",
             "--grant-type", GRANT, "--grant-type", "refresh_token", "--public")
    return cid


def _form(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))


def _enter(flow: Flow, browser: httpx.Client, user_code: str, action: str = "allow") -> httpx.Response:
    page = browser.get(DEVICE, params={"user_code": user_code})
    assert page.status_code == 200, page.text
    asked = browser.post(DEVICE, data={**_form(page.text), "user_code": user_code, "action": "lookup"})
    assert asked.status_code == 200 and "Living Room TV" in asked.text, asked.text
    return browser.post(DEVICE, data={**_form(asked.text), "action": action})


@contextlib.contextmanager
def _signed_in(flow: Flow, user: SignInUser) -> Iterator[httpx.Client]:
    with flow.browser() as browser:
        flow.login(browser, user)
        yield browser


@pytest.mark.skipif(shutil.which("node") is None or not (RP / "node_modules").is_dir(),
                    reason="node and tests/rp/node_modules (npm ci --prefix tests/rp) needed")
def test_openid_client_device_flow_with_approval_in_the_browser(flow: Flow) -> None:
    user, cid = flow.user(), _client(flow)
    proc = subprocess.Popen(["node", str(RP / "device.mjs"), flow.base, cid, "openid read"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        started = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
        assert started["endpoint"] == flow.base + "/api/v1/oauth/device_authorization", started
        assert started["verification_uri"] == flow.base + DEVICE
        with flow.browser() as anonymous:  # behind SSO: the login page, coming back here
            login = anonymous.get(DEVICE, params={"user_code": started["user_code"]})
            assert login.status_code == 303 and "/api/v1/sso/login" in login.headers["location"]
        with _signed_in(flow, user) as browser:
            done = _enter(flow, browser, started["user_code"])
            assert done.status_code == 200 and "Device connected" in done.text
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    result = json.loads(out.strip().splitlines()[-1])
    assert result == {"sub": user.id, "scope": "openid read", "has_access_token": True,
                      "has_refresh_token": True}, err


def _start(flow: Flow, cid: str) -> dict:
    resp = httpx.post(flow.base + "/api/v1/oauth/device_authorization",
                      data={"client_id": cid, "scope": "openid read"}, timeout=30)
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store", resp.text
    return resp.json()


def _poll(flow: Flow, cid: str, device_code: str) -> httpx.Response:
    return httpx.post(flow.base + "/api/v1/oauth/token", timeout=30,
                      data={"grant_type": GRANT, "device_code": device_code, "client_id": cid})


def test_too_fast_denied_and_wrong_codes(flow: Flow) -> None:
    user, cid = flow.user(), _client(flow)
    started = _start(flow, cid)
    assert _poll(flow, cid, started["device_code"]).json()["error"] == "authorization_pending"
    too_fast = _poll(flow, cid, started["device_code"])
    assert too_fast.status_code == 400 and too_fast.json()["error"] == "slow_down"
    with _signed_in(flow, user) as browser:
        page = browser.get(DEVICE)
        wrong = browser.post(DEVICE, data={**_form(page.text), "user_code": "BCDF-GHJK", "action": "lookup"})
        assert wrong.status_code == 400 and "not valid" in wrong.text
        denied = _enter(flow, browser, started["user_code"], "deny")
        assert denied.status_code == 200 and "not connected" in denied.text
    assert _poll(flow, cid, started["device_code"]).json()["error"] == "access_denied"
    unknown = _poll(flow, cid, "not-a-device-code")
    assert unknown.json()["error"] == "invalid_grant"


def test_discovery_names_the_device_endpoint(flow: Flow) -> None:
    meta = httpx.get(flow.base + "/.well-known/openid-configuration", timeout=30).json()
    assert meta["device_authorization_endpoint"] == flow.base + "/api/v1/oauth/device_authorization"
    assert GRANT in meta["grant_types_supported"]
