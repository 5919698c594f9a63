"""Roles, groups and a user's access over IdentityService on PostgreSQL: definitions,
cascading deletes, claims by name, audit rows, and the admin API's PUT .../access."""

from __future__ import annotations

import json
import uuid

import grpc
import pytest
from authgate.audit.v1 import audit_pb2 as apb
from authgate.identity.v1 import identity_pb2 as pb


def _name(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


def _error(call, request) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as err:
        call(request, timeout=10)
    return err.value.code(), dict(err.value.trailing_metadata() or ())["authgate-oauth-error"]


def _claims(stub, user_id: str, *names: str) -> dict:
    reply = stub.GetUserClaims(pb.GetUserClaimsRequest(user_id=user_id, scopes=["openid"], claims=names),
                               timeout=10)
    return json.loads(reply.claims_json)


def test_roles_and_groups_give_a_user_effective_roles(harness) -> None:
    stub = harness.stub
    reader, writer, staff = _name("reader"), _name("writer"), _name("staff")
    put = stub.PutRole(pb.PutRoleRequest(role=pb.Role(name=reader, description="reads")), timeout=10)
    assert put.changed and put.role.description == "reads"
    same = stub.PutRole(pb.PutRoleRequest(role=pb.Role(name=reader, description="reads")), timeout=10)
    assert not same.changed
    stub.PutRole(pb.PutRoleRequest(role=pb.Role(name=writer)), timeout=10)
    group = stub.PutGroup(pb.PutGroupRequest(group=pb.Group(name=staff, roles=[writer, reader])), timeout=10)
    assert list(group.group.roles) == sorted([reader, writer])
    assert {r.name for r in stub.ListRoles(pb.ListRolesRequest(), timeout=10).roles} >= {reader, writer}
    listed = {g.name: g for g in stub.ListGroups(pb.ListGroupsRequest(), timeout=10).groups}
    assert list(listed[staff].roles) == sorted([reader, writer])

    user = harness.user()
    reply = stub.SetUserAccess(pb.SetUserAccessRequest(
        user_id=user.id, set_roles=True, roles=[reader], set_groups=True, groups=[staff],
        set_attributes=True, attributes_json='{"department": "finance", "sites": ["ams"]}'), timeout=10)
    assert reply.changed and list(reply.user.roles) == [reader] and list(reply.user.groups) == [staff]
    assert json.loads(reply.user.attributes_json) == {"department": "finance", "sites": ["ams"]}
    fetched = stub.GetUser(pb.GetUserRequest(id=user.id), timeout=10).user
    assert list(fetched.roles) == [reader] and list(fetched.groups) == [staff]
    assert _claims(stub, user.id, "roles", "groups", "department", "nope") == {
        "sub": user.id, "roles": sorted([reader, writer]), "groups": [staff], "department": "finance"}

    # Only what is marked set_* changes; the same again changes nothing.
    only_roles = pb.SetUserAccessRequest(user_id=user.id, set_roles=True, roles=[reader])
    again = stub.SetUserAccess(only_roles, timeout=10)
    assert not again.changed and json.loads(again.user.attributes_json)["department"] == "finance"

    stub.DeleteGroup(pb.DeleteGroupRequest(name=staff), timeout=10)
    assert _claims(stub, user.id, "roles", "groups") == {"sub": user.id, "roles": [reader]}
    stub.DeleteRole(pb.DeleteRoleRequest(name=reader), timeout=10)
    assert list(stub.GetUser(pb.GetUserRequest(id=user.id), timeout=10).user.roles) == []
    gone = _error(stub.DeleteRole, pb.DeleteRoleRequest(name=reader))
    assert gone == (grpc.StatusCode.NOT_FOUND, "not_found")

    events = harness.audit.ListAuditEvents(apb.ListAuditEventsRequest(user=user.id), timeout=10).events
    assert "user.access_changed" in [e.type for e in events]


def test_bad_access_is_invalid_request(harness) -> None:
    stub, user = harness.stub, harness.user()
    for request in (
        pb.SetUserAccessRequest(user_id=user.id, set_roles=True, roles=[_name("ghost")]),
        pb.SetUserAccessRequest(user_id=user.id, set_groups=True, groups=["bad name"]),
        pb.SetUserAccessRequest(user_id=user.id, set_attributes=True, attributes_json='{"sub": "x"}'),
        pb.SetUserAccessRequest(user_id=user.id, set_attributes=True, attributes_json="[1]"),
    ):
        assert _error(stub.SetUserAccess, request) == (grpc.StatusCode.INVALID_ARGUMENT, "invalid_request")
    ghostly = pb.PutGroupRequest(group=pb.Group(name=_name("g"), roles=[_name("ghost")]))
    assert _error(stub.PutGroup, ghostly) == (grpc.StatusCode.INVALID_ARGUMENT, "invalid_request")
    missing = pb.SetUserAccessRequest(user_id=str(uuid.uuid4()), set_roles=True)
    assert _error(stub.SetUserAccess, missing) == (grpc.StatusCode.NOT_FOUND, "not_found")


def test_admin_api_sets_access_under_if_match(harness) -> None:
    audience = f"{harness.settings.issuer}/api/v1/admin"
    admin = {"Authorization": "Bearer " + harness.tokens.add("ops-bot", "admin:users", audience)}
    role = _name("auditor")
    harness.stub.PutRole(pb.PutRoleRequest(role=pb.Role(name=role)), timeout=10)
    user = harness.user()
    path = f"/api/v1/admin/users/{user.id}"
    shown = harness.http.get(path, headers=admin)
    assert shown.json()["roles"] == [] and shown.json()["attributes"] == {}
    access = {"roles": [role], "attributes": {"level": 3}}
    assert harness.http.put(f"{path}/access", json=access, headers=admin).status_code == 428
    stale = harness.http.put(f"{path}/access", json=access, headers={**admin, "If-Match": '"9"'})
    assert stale.status_code == 412
    bad = harness.http.put(f"{path}/access", json={"attributes": {"email": "x"}},
                           headers={**admin, "If-Match": shown.headers["ETag"]})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
    current = {**admin, "If-Match": shown.headers["ETag"]}
    done = harness.http.put(f"{path}/access", json=access, headers=current)
    assert done.status_code == 200, done.text
    assert done.json()["roles"] == [role] and done.json()["attributes"] == {"level": 3}
    assert done.json()["groups"] == [] and done.headers["ETag"] != shown.headers["ETag"]
    events = harness.audit.ListAuditEvents(apb.ListAuditEventsRequest(user=user.id), timeout=10).events
    changed = [e for e in events if e.type == "admin.user.access_changed"]
    assert len(changed) == 1 and changed[0].client_id == "ops-bot"
