"""Revocation that every token-service replica sees at once (issue 4 §4–5): after a
logout, every access token bound to the user's sessions is rejected by every replica —
userinfo, introspection, ValidateToken and the gateway's ext_authz — with no database
read on the validation path; another device's tokens keep working after a one-device
revoke."""

from __future__ import annotations

import grpc
import httpx
from authgate_devstack.stack import Stack
from flowkit import AppClient, Flow, eventually, validate_on_each_replica


def _device_tokens(flow: Flow, browser: httpx.Client, client: AppClient) -> dict:
    return flow.code_tokens(browser, client, scope="openid read")


def _userinfo_on_each_replica(stack: Stack, access: str) -> list[int]:
    return [httpx.get(f"http://127.0.0.1:{port}/api/v1/userinfo/me", timeout=10,
                      headers={"Authorization": f"Bearer {access}"}).status_code
            for port in stack.ports.http["token"]]


def test_revoking_one_device_kills_its_tokens_on_every_replica(flow: Flow, stack: Stack) -> None:
    user, client = flow.user(), flow.client()
    with flow.browser() as laptop, flow.browser() as phone:
        laptop_sid = flow.login(laptop, user).json()["sid"]
        flow.login(phone, user)
        laptop_tokens = _device_tokens(flow, laptop, client)
        phone_tokens = _device_tokens(flow, phone, client)
        assert set(_userinfo_on_each_replica(stack, laptop_tokens["access_token"])) == {200}

        resp = phone.delete(f"/api/v1/sessions/{laptop_sid}", headers={"Origin": flow.base})
        assert resp.status_code == 204

        eventually(lambda: set(_userinfo_on_each_replica(stack, laptop_tokens["access_token"])) == {401},
                   "rejected on every replica", interval=0.02)
        assert set(validate_on_each_replica(stack, laptop_tokens["access_token"], timeout=5)) == {
            grpc.StatusCode.UNAUTHENTICATED}
        assert set(_userinfo_on_each_replica(stack, phone_tokens["access_token"])) == {200}


def test_global_logout_kills_every_token_everywhere(flow: Flow, stack: Stack) -> None:
    user = flow.user()
    client = flow.client("--grant-type", "refresh_token")
    with flow.browser() as laptop, flow.browser() as phone:
        flow.login(laptop, user)
        flow.login(phone, user)
        tokens = [_device_tokens(flow, laptop, client), _device_tokens(flow, phone, client)]
        resp = laptop.post("/api/v1/logout", headers={"Origin": flow.base})
        assert resp.status_code == 200, resp.text
        assert resp.json()["revoked_sessions"] == 2
        assert "sso_session=" in resp.headers["set-cookie"] and "Max-Age=0" in resp.headers["set-cookie"]

    for t in tokens:
        access = t["access_token"]
        eventually(lambda a=access: set(_userinfo_on_each_replica(stack, a)) == {401},
                   "rejected on every replica", interval=0.02)
        assert set(validate_on_each_replica(stack, access, timeout=5)) == {grpc.StatusCode.UNAUTHENTICATED}
        example = httpx.get(f"{flow.base}/api/v1/example/items", timeout=10,
                            headers={"Authorization": f"Bearer {access}"})
        assert example.status_code == 401
        intro = httpx.post(f"{flow.base}/api/v1/oauth/introspect", data={"token": access},
                           auth=(client.client_id, client.client_secret), timeout=10)
        assert intro.json() == {"active": False}
        refresh = httpx.post(f"{flow.base}/api/v1/oauth/token", timeout=10,
                             auth=(client.client_id, client.client_secret),
                             data={"grant_type": "refresh_token", "refresh_token": t["refresh_token"]})
        assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"
