"""`authgate session list|revoke` (issue 4 §3) against the real stack: an operator sees a
user's devices and ends one, and that device's access token stops working at once while
the other device's keeps working."""

from __future__ import annotations

import json
import os
import subprocess

import httpx
from authgate_devstack.stack import Stack
from flowkit import AUTHGATE, AppClient, Cli, Flow, eventually


def _device(flow: Flow, client: AppClient, browser: httpx.Client, user) -> tuple[str, str]:
    """Sign in on one device: its sid and an access token bound to it."""
    sid, tokens = flow.sign_in(browser, user, client, scope="openid read")
    return sid, tokens["access_token"]


def _userinfo(flow: Flow, access: str) -> int:
    return httpx.get(
        f"{flow.base}/api/v1/userinfo/me", timeout=10, headers={"Authorization": f"Bearer {access}"}
    ).status_code


def _session_cli(cli: Cli, stack: Stack, *args: str) -> dict | list:
    return cli("session", *args, "--session-target", stack.operator_targets("session"))


def _refused(stack: Stack, *args: str) -> tuple[int, dict]:
    proc = subprocess.run(
        [AUTHGATE, "session", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=stack.workdir,
        env={**os.environ, **stack.cli_env()},
    )
    return proc.returncode, json.loads(proc.stderr) if proc.stderr.strip() else {}


def test_operator_lists_two_devices_and_revokes_one(flow: Flow, cli: Cli, stack: Stack) -> None:
    user, client = flow.user(), flow.client()
    with flow.browser() as laptop, flow.browser() as phone:
        laptop_sid, laptop_token = _device(flow, client, laptop, user)
        phone_sid, phone_token = _device(flow, client, phone, user)

    listed = _session_cli(cli, stack, "list", "--user", user.username)
    assert sorted(s["sid"] for s in listed) == sorted([laptop_sid, phone_sid])
    assert {s["user_id"] for s in listed} == {user.id}
    assert all(s["client_ip"] == "127.0.0.1" and s["created_at"] and s["last_seen_at"] for s in listed)
    assert [s["sid"] for s in _session_cli(cli, stack, "list", "--user", user.id)] == [
        s["sid"] for s in listed
    ]
    assert {_userinfo(flow, laptop_token), _userinfo(flow, phone_token)} == {200}

    assert _session_cli(cli, stack, "revoke", laptop_sid) == {"sid": laptop_sid, "revoked": True}

    eventually(lambda: _userinfo(flow, laptop_token) == 401, "the laptop's token rejected", interval=0.02)
    assert _userinfo(flow, phone_token) == 200
    assert [s["sid"] for s in _session_cli(cli, stack, "list", "--user", user.username)] == [phone_sid]


def test_operator_revokes_every_session_of_a_user_and_no_one_elses(
    flow: Flow, cli: Cli, stack: Stack
) -> None:
    user, other, client = flow.user(), flow.user(), flow.client()
    with flow.browser() as laptop, flow.browser() as phone, flow.browser() as bystander:
        sids = {_device(flow, client, laptop, user)[0], _device(flow, client, phone, user)[0]}
        other_sid, other_token = _device(flow, client, bystander, other)

    # Naming the wrong owner refuses exactly like an unknown session, and revokes nothing.
    assert _refused(stack, "revoke", other_sid, "--user", user.username) == (
        1,
        {"error": "not_found", "error_description": "session not found"},
    )
    assert _refused(stack, "list", "--user", "no-such-user-" + user.username)[0] == 1

    out = _session_cli(cli, stack, "revoke", "--user", user.username, "--all")
    assert out["user_id"] == user.id and set(out["revoked"]) == sids
    assert _session_cli(cli, stack, "list", "--user", user.username) == []
    assert [s["sid"] for s in _session_cli(cli, stack, "list", "--user", other.username)] == [other_sid]
    assert _userinfo(flow, other_token) == 200
