"""`authgate scope|api list|put|delete` against a fake CatalogService on the authorization
service's operator listener (its real allow-list)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apply_fakes import FakeCatalog
from authgate.authorization.v1 import authorization_pb2_grpc
from cli_listeners import serve


@pytest.fixture
def catalog(monkeypatch, pki_root) -> Iterator[FakeCatalog]:
    fake = FakeCatalog()
    server, target = serve(pki_root, "authorization",
                           lambda s: authorization_pb2_grpc.add_CatalogServiceServicer_to_server(fake, s))
    monkeypatch.setenv("AUTHORIZATION_OPERATOR_TARGET", target)
    yield fake
    server.stop(grace=None)


def test_api_and_scope_put_list_delete(catalog, run) -> None:
    put = run("--json", "api", "put", "orders", "--audience", "https://orders.example.com",
              "--description", "The order service")
    assert put.code == 0, put.err
    assert put.json()["audience"] == "https://orders.example.com" and put.json()["changed"] is True
    scope = run("--json", "scope", "put", "orders:read", "--api", "orders",
                "--description", "Read your orders", "--claim", "roles", "--access-token-claim", "roles")
    assert scope.code == 0, scope.err
    assert scope.json() == {"name": "orders:read", "description": "Read your orders", "api": "orders",
                            "claims": ["roles"], "access_token_claims": ["roles"], "changed": True}
    listed = run("--json", "scope", "list").json()
    assert [s["name"] for s in listed] == ["orders:read"]  # the built-ins only with --all
    assert "openid" in [s["name"] for s in run("--json", "scope", "list", "--all").json()]
    table = run("scope", "list").out.splitlines()
    assert table[0].split()[:2] == ["NAME", "API"] and table[1].startswith("orders:read")
    assert [a["name"] for a in run("--json", "api", "list").json()] == ["orders"]
    refused = run("api", "delete", "orders")  # a scope still names it
    assert refused.code == 1 and "invalid_request" in refused.err
    assert run("scope", "delete", "orders:read").code == 0
    assert run("api", "delete", "orders").code == 0 and catalog.apis == {}


def test_service_refusals_exit_1_with_the_error_code(catalog, run) -> None:
    unknown_api = run("scope", "put", "x", "--api", "nope")
    assert unknown_api.code == 1 and "invalid_request" in unknown_api.err
    gone = run("--json", "scope", "delete", "nothing")
    assert gone.code == 1 and '"not_found"' in gone.err


def test_api_put_needs_an_audience(catalog, run) -> None:
    assert run("api", "put", "orders").code == 2  # argparse: --audience is required
