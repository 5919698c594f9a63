"""The audit trail through the whole stack: a user signs in wrongly then rightly, an app
runs the code flow, refreshes and signs the user out, all through Envoy; then the
operator's `authgate audit --user …` asks the four services and finds each step, with
the client, the session, the request id the gateway gave it and the address it came
from — and no password, code, token, secret or cookie anywhere in its output."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.parse

import httpx
from authgate_devstack.stack import Stack
from flowkit import AUTHGATE, Flow, pkce_pair


def audit_cli(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AUTHGATE, "audit", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **stack.cli_env()},
        cwd=stack.workdir,
        timeout=60,
    )


def test_a_sign_in_code_flow_refresh_and_logout_are_audited(flow: Flow, stack: Stack) -> None:
    user = flow.user()
    client = flow.client("--grant-type", "refresh_token", scopes="openid profile email read account")
    verifier, challenge = pkce_pair()
    rid: dict[str, str] = {}
    with flow.browser() as browser:
        wrong = browser.post(
            "/api/v1/sso/login", json={"username": user.username, "password": "not-" + user.password}
        )
        assert wrong.status_code == 401
        right = flow.login(browser, user)
        sid, cookie = right.json()["sid"], browser.cookies.get("sso_session")
        authorize = flow.authorize(browser, client, challenge=challenge, scope="openid account")
        assert authorize.status_code == 302
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize.headers["location"]).query)["code"][0]
        rid.update(
            wrong=wrong.headers["x-request-id"],
            login=right.headers["x-request-id"],
            authorize=authorize.headers["x-request-id"],
        )
    exchange = flow.exchange(client, code, verifier)
    tokens = exchange.json()
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        refreshed = app.post(
            "/api/v1/oauth/token",
            auth=(client.client_id, client.client_secret),
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        assert refreshed.status_code == 200, refreshed.text
        logout = app.post(
            "/api/v1/logout", headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"}
        )
        assert logout.status_code == 200, logout.text
    rid.update(
        exchange=exchange.headers["x-request-id"],
        refresh=refreshed.headers["x-request-id"],
        logout=logout.headers["x-request-id"],
    )

    result = audit_cli(stack, "--user", user.username, "--since", "1h", "--json")
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)

    def one(type_: str, request: str, **extra: object) -> dict:
        found = [
            e
            for e in events
            if e["type"] == type_
            and e["request_id"] == rid[request]
            and all(e["details"].get(k) == v for k, v in extra.items())
        ]
        assert len(found) == 1, (type_, request, events)
        return found[0]

    failure = one("login.failure", "wrong")
    assert failure["service"] == "identity" and failure["details"] == {"reason": "wrong_password"}
    for event, service in [
        (one("login.success", "login"), "identity"),
        (one("session.created", "login"), "session"),
    ]:  # one id across the hop
        assert (event["service"], event["sid"], event["actor"]) == (service, sid, user.id)
    issued_code = one("code.issued", "authorize")
    assert (issued_code["client_id"], issued_code["sid"]) == (client.client_id, sid)
    for event in [
        one("token.issued", "exchange", grant_type="authorization_code"),
        one("token.issued", "refresh", grant_type="refresh_token"),
    ]:
        assert (event["service"], event["client_id"], event["sid"]) == ("token", client.client_id, sid)
        assert event["actor"] == f"client:{client.client_id}"
    revoked = one("session.revoked", "logout")
    assert (revoked["sid"], revoked["details"]["reason"]) == (sid, "global_logout")
    assert one("session.logout", "logout")["sid"] == sid
    assert all(e["subject"] == user.id for e in events)
    # Every step a browser or app took carries the address the gateway saw; only the
    # operator's `user create` (internal gRPC) has none.
    assert {e["type"] for e in events if not e["source_address"]} == {"user.created"}
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)

    secrets = [
        user.password,
        "not-" + user.password,
        code,
        verifier,
        cookie,
        client.client_secret,
        tokens["access_token"],
        tokens["refresh_token"],
        tokens["id_token"],
        refreshed.json()["access_token"],
        refreshed.json()["refresh_token"],
    ]
    text = audit_cli(stack, "--user", user.id)
    assert text.returncode == 0 and "login.failure" in text.stdout
    for secret in secrets:
        assert secret and secret not in result.stdout and secret not in text.stdout

    only = json.loads(audit_cli(stack, "--user", user.username, "--type", "login.*", "--json").stdout)
    assert [e["type"] for e in only] == ["login.failure", "login.success"]
