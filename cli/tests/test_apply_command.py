"""`authgate apply` and `authgate export` against fake services over the operator plane:
the plan is printed, --dry-run sends no write, a second apply sends none either, generated
secrets are shown once or written to a 0600 file, users need --allow-users, and an export
applied to empty services exports the same again."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml
from apply_fakes import FakeAccessIdentity, FakeCatalog
from authgate.authorization.v1 import authorization_pb2_grpc
from authgate.identity.v1 import identity_pb2_grpc
from cli_fakes import FakeAuthorization
from cli_listeners import serve

FILE = """
apiVersion: authgate.io/v1
kind: Configuration
apis: [{name: orders, audience: "https://orders.example.com"}]
scopes: [{name: "orders:read", description: Read your orders, api: orders}]
roles: [{name: orders-admin}]
groups: [{name: support, description: Support desk, roles: [orders-admin]}]
clients:
  - {client_id: orders-web, redirect_uris: ["https://orders.example.com/cb"], scopes: [openid, "orders:read"]}
  - {client_id: orders-spa, client_type: public, redirect_uris: ["https://spa.example.com/cb"]}
"""
USERS = """users: [{username: alice, email: alice@example.com, groups: [support], password_env: ALICE_PW}]
"""


@dataclass
class Stack:
    identity: FakeAccessIdentity
    authorization: FakeAuthorization
    catalog: FakeCatalog

    def writes(self) -> list[str]:
        return self.catalog.writes + self.identity.writes + [
            type(r).__name__ for r in self.authorization.requests] + list(self.authorization.clients)


def _start(monkeypatch, pki_root) -> tuple[Stack, list]:
    stack = Stack(FakeAccessIdentity(), FakeAuthorization(), FakeCatalog())

    def authorization(server):
        authorization_pb2_grpc.add_AuthorizationServiceServicer_to_server(stack.authorization, server)
        authorization_pb2_grpc.add_CatalogServiceServicer_to_server(stack.catalog, server)

    def identity(server):
        identity_pb2_grpc.add_IdentityServiceServicer_to_server(stack.identity, server)

    id_server, id_target = serve(pki_root, "identity", identity)
    az_server, az_target = serve(pki_root, "authorization", authorization)
    monkeypatch.setenv("IDENTITY_OPERATOR_TARGET", id_target)
    monkeypatch.setenv("AUTHORIZATION_OPERATOR_TARGET", az_target)
    return stack, [id_server, az_server]


@pytest.fixture
def stack(monkeypatch, pki_root) -> Iterator[Stack]:
    found, servers = _start(monkeypatch, pki_root)
    yield found
    for server in servers:
        server.stop(grace=None)


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "authgate.yaml"
    path.write_text(FILE, encoding="utf-8")
    return str(path)


def test_apply_prints_the_plan_then_a_second_apply_changes_nothing(stack, run, config):
    first = run("apply", "-f", config)
    assert first.code == 0, first.err
    assert "  + create orders:read" in first.out and "6 to create, 0 to update, 0 to delete" in first.out
    assert "client secret of orders-web: " in first.out and "cannot be shown again" in first.out
    assert stack.catalog.writes == ["PutApi orders", "PutScope orders:read"]
    assert stack.identity.writes == ["PutRole orders-admin", "PutGroup support"]
    assert set(stack.authorization.clients) == {"orders-web", "orders-spa"}
    before = stack.writes()
    second = run("apply", "-f", config, "--output", "json")
    assert second.code == 0, second.err
    assert second.json()["changes"] == [] and second.json()["summary"]["unchanged"] == 6
    assert stack.writes() == before


def test_dry_run_sends_no_write(stack, run, config):
    result = run("apply", "-f", config, "--dry-run", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["dry_run"] is True and data["applied"] is False and data["summary"]["create"] == 6
    assert stack.writes() == []


def test_generated_secrets_go_to_a_file_only_the_owner_reads(stack, run, config, tmp_path):
    out = tmp_path / "secrets.json"
    result = run("apply", "-f", config, "--secrets-out", str(out))
    assert result.code == 0, result.err
    assert "client secret of" not in result.out and f"written to {out}" in result.out
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    written = yaml.safe_load(out.read_text())
    assert written["clients"]["orders-web"] == stack.authorization.secrets["orders-web"]


def test_users_need_allow_users_and_their_password_from_the_environment(stack, run, config, monkeypatch):
    with open(config, "a", encoding="utf-8") as file:
        file.write(USERS)
    refused = run("apply", "-f", config)
    assert refused.code == 1 and "--allow-users" in refused.err and stack.writes() == []
    unset = run("apply", "-f", config, "--allow-users")
    assert unset.code == 1 and "ALICE_PW is not set" in unset.err and stack.writes() == []
    monkeypatch.setenv("ALICE_PW", "correct horse battery")
    done = run("apply", "-f", config, "--allow-users")
    assert done.code == 0, done.err
    assert stack.identity.passwords["alice"] == "correct horse battery"
    assert "SetUserAccess alice" in stack.identity.writes and "password of" not in done.out


def test_an_invalid_file_is_refused_before_any_call(stack, run, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(FILE.replace("orders-spa, client_type: public", "orders-spa, client_type: secret"))
    result = run("apply", "-f", str(path), "--json")
    assert result.code == 1 and "clients[1].client_type" in result.err and stack.writes() == []
    path.write_text("apis: [\n")
    assert "is not valid YAML at line" in run("apply", "-f", str(path)).err


def test_export_then_apply_on_empty_services_exports_the_same(
        stack, run, config, monkeypatch, pki_root, tmp_path):
    assert run("apply", "-f", config).code == 0
    exported = tmp_path / "export.yaml"
    assert run("export", "-o", str(exported)).code == 0
    text = exported.read_text()
    assert "secret" not in text and "openid\n" not in text.split("scopes:")[1].split("roles:")[0]
    fresh, servers = _start(monkeypatch, pki_root)
    try:
        assert run("apply", "-f", str(exported)).code == 0
        again = run("export")
        assert again.code == 0 and again.out == text
    finally:
        for server in servers:
            server.stop(grace=None)
