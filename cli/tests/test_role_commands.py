"""`authgate role|group ...` and `authgate user access` against a fake identity service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from authgate.identity.v1 import identity_pb2_grpc
from cli_access_fakes import FakeIdentityAccess
from cli_listeners import serve


@pytest.fixture
def identity(monkeypatch, pki_root) -> Iterator[FakeIdentityAccess]:
    fake = FakeIdentityAccess()
    server, target = serve(pki_root, "identity",
                           lambda s: identity_pb2_grpc.add_IdentityServiceServicer_to_server(fake, s))
    monkeypatch.setenv("IDENTITY_OPERATOR_TARGET", target)
    yield fake
    server.stop(grace=None)


def test_role_put_list_delete(identity, run) -> None:
    result = run("role", "put", "billing.admin", "--description", "pays the bills")
    assert result.code == 0, result.err
    assert "billing.admin" in result.out and "changed:" in result.out and "yes" in result.out
    again = run("--json", "role", "put", "billing.admin", "--description", "pays the bills")
    assert again.json()["changed"] is False
    listed = run("--json", "role", "list").json()
    assert listed == [{"name": "billing.admin", "description": "pays the bills"}]
    table = run("role", "list").out.splitlines()
    assert table[0].split() == ["NAME", "DESCRIPTION"] and table[1].startswith("billing.admin")
    assert run("role", "delete", "billing.admin").code == 0 and identity.roles == {}
    gone = run("role", "delete", "billing.admin")
    assert gone.code == 1 and gone.err.strip() == "authgate: not_found: role not found"


def test_group_put_takes_repeated_roles_and_refuses_unknown_ones(identity, run) -> None:
    run("role", "put", "reader")
    run("role", "put", "writer")
    result = run("--json", "group", "put", "staff", "--role", "writer", "--role", "reader")
    assert result.code == 0, result.err
    assert result.json() == {"name": "staff", "description": "", "roles": ["reader", "writer"],
                             "changed": True}
    assert "reader,writer" in run("group", "list").out
    refused = run("group", "put", "staff", "--role", "ghost")
    assert refused.code == 1 and "invalid_request" in refused.err
    assert run("group", "delete", "staff").code == 0 and identity.groups == {}


def test_user_access_shows_and_replaces_only_the_parts_given(identity, run, create_user) -> None:
    create_user("alice")
    run("role", "put", "reader")
    run("group", "put", "staff", "--role", "reader")
    shown = run("--json", "user", "access", "--username", "alice").json()
    assert shown == {"id": "u1", "username": "alice", "roles": [], "groups": [], "attributes": {}}
    result = run("--json", "user", "access", "--username", "alice", "--group", "staff",
                 "--attributes", '{"department": "finance"}')
    assert result.code == 0, result.err
    assert result.json()["groups"] == ["staff"] and result.json()["attributes"] == {"department": "finance"}
    result = run("user", "access", "--id", "u1", "--role", "reader")
    assert result.out.startswith("changed") and "staff" in result.out and "finance" in result.out
    cleared = run("--json", "user", "access", "--id", "u1", "--no-roles", "--no-groups").json()
    assert cleared["roles"] == [] and cleared["groups"] == []
    assert cleared["attributes"] == {"department": "finance"}


def test_user_access_refuses_attributes_that_are_not_an_object(identity, run, create_user) -> None:
    create_user("alice")
    result = run("user", "access", "--username", "alice", "--attributes", "[1, 2]")
    assert result.code == 1 and "--attributes must be a JSON object" in result.err
    assert identity.users["u1"].attributes_json == ""
