"""`authgate apply -f` and `authgate export` against the real stack (docs/configuration.md):
a file's API, scope, role, group, clients and user come into being and work; applying it
again changes nothing and leaves no audit row; and an export applied to a second, empty
stack exports the same again."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from datetime import UTC, datetime

import httpx
import pytest
import yaml
from authgate_devstack.stack import Stack
from flowkit import AUTHGATE, Cli, Flow, eventually, own_stack

SECRET = secrets.token_urlsafe(32)


def _file(tag: str) -> dict:
    api, scope = f"orders-{tag}", f"orders-{tag}:read"
    return {
        "apiVersion": "authgate.io/v1", "kind": "Configuration",
        "apis": [{"name": api, "audience": f"https://{api}.example.com", "description": "Orders"}],
        "scopes": [{"name": scope, "description": "Read your orders", "api": api}],
        "roles": [{"name": f"clerk-{tag}", "description": "Handles orders"}],
        "groups": [{"name": f"desk-{tag}", "roles": [f"clerk-{tag}"]}],
        "clients": [
            {"client_id": f"worker-{tag}", "grant_types": ["client_credentials"], "scopes": [scope],
             "client_secret_env": "APPLY_TEST_SECRET"},
            {"client_id": f"spa-{tag}", "client_type": "public", "scopes": ["openid", scope],
             "redirect_uris": ["https://spa.example.com/cb"]},
        ],
        "users": [{"username": f"ann-{tag}", "email": f"ann-{tag}@example.com", "groups": [f"desk-{tag}"]}],
    }


def _apply(stack: Stack, path: str, *flags: str) -> dict:
    proc = subprocess.run([AUTHGATE, "apply", "-f", path, "--json", *flags], capture_output=True, text=True,
                          timeout=120, cwd=stack.workdir,
                          env={**os.environ, **stack.cli_env(), "APPLY_TEST_SECRET": SECRET})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dict(json.loads(proc.stdout))


def _operator_events(cli: Cli, since: str) -> list[dict]:
    events = cli("audit", "--since", since, "--limit", "1000")
    return [e for e in events if e["actor"] == "operator"]


def test_apply_makes_the_state_and_a_second_apply_writes_nothing(
        stack: Stack, cli: Cli, flow: Flow, tmp_path) -> None:
    tag = secrets.token_hex(3)
    path = tmp_path / "authgate.yaml"
    path.write_text(yaml.safe_dump(_file(tag)))
    started = datetime.now(UTC).isoformat()

    first = _apply(stack, str(path), "--allow-users", "--secrets-out", str(tmp_path / "secrets.json"))
    assert first["summary"]["create"] == 7 and first["applied"] is True
    generated = json.loads((tmp_path / "secrets.json").read_text())
    assert set(generated) == {"users"}  # the client's secret came from the environment

    # The state works: the worker gets a token for the scope, whose aud names the API.
    def token() -> httpx.Response:
        return httpx.post(f"{flow.base}/api/v1/oauth/token", auth=(f"worker-{tag}", SECRET), timeout=30,
                          data={"grant_type": "client_credentials", "scope": f"orders-{tag}:read"})
    eventually(lambda: token().status_code == 200, "the worker's token", seconds=5)
    described = httpx.post(f"{flow.base}/api/v1/oauth/introspect", auth=(f"worker-{tag}", SECRET),
                           timeout=30, data={"token": token().json()["access_token"]}).json()
    audience = described["aud"] if isinstance(described["aud"], list) else [described["aud"]]
    assert f"https://orders-{tag}.example.com" in audience
    user = cli("user", "list", "--limit", "1000")
    assert [u["username"] for u in user if u["username"] == f"ann-{tag}"] == [f"ann-{tag}"]

    audited = _operator_events(cli, started)
    assert audited, "the first apply's changes are audited"
    second = _apply(stack, str(path), "--allow-users")
    assert second["changes"] == [] and second["summary"]["unchanged"] == 7
    assert _operator_events(cli, started) == audited

    dry = _apply(stack, str(path), "--allow-users", "--dry-run", "--prune")
    assert dry["dry_run"] is True and all(c["action"] == "delete" for c in dry["changes"])
    assert _operator_events(cli, started) == audited


@pytest.mark.timeout(600)
def test_an_export_applied_to_an_empty_stack_exports_the_same(
        stack: Stack, cli: Cli, tmp_path, tmp_path_factory) -> None:
    tag = secrets.token_hex(3)
    path = tmp_path / "authgate.yaml"
    document = _file(tag)
    del document["users"]
    path.write_text(yaml.safe_dump(document))
    _apply(stack, str(path))
    exported = tmp_path / "export.yaml"
    cli("export", "-o", str(exported))
    text = exported.read_text()
    assert f"worker-{tag}" in text and SECRET not in text and "client_secret:" not in text
    assert "openid\n" not in yaml.safe_dump([s["name"] for s in yaml.safe_load(text)["scopes"]])

    with own_stack(tmp_path_factory, "apply_export") as empty:
        rebuilt = _apply(empty, str(exported), "--secrets-out", str(tmp_path / "rebuilt-secrets.json"))
        assert rebuilt["summary"]["create"] > 0
        again = tmp_path / "again.yaml"
        Cli(empty)("export", "-o", str(again))
        assert again.read_text() == text
