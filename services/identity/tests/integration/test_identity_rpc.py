"""authgate.identity.v1.IdentityService on the real servicer (port 0) and PostgreSQL, as
an internal caller sees it: messages back, or the gRPC status with the error code in
trailing metadata."""

from __future__ import annotations

import json
import uuid

import grpc
import pytest
from authgate.identity.v1 import identity_pb2 as pb


def _fails(call, request) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as err:
        call(request, timeout=10)
    return err.value


def _error(err: grpc.RpcError) -> str:
    return dict(err.trailing_metadata() or ())["authgate-oauth-error"]


def test_create_user_returns_the_user_without_its_hash(harness) -> None:
    user = harness.user(name="Ada Lovelace", email_verified=True)
    assert uuid.UUID(user.id) and user.name == "Ada Lovelace" and user.email_verified
    assert user.created_at.seconds > 0 and not user.disabled
    assert "password" not in str(user).lower() and "$2b$" not in str(user)


def test_a_duplicate_username_is_already_exists(harness) -> None:
    user = harness.user()
    err = _fails(harness.stub.CreateUser, pb.CreateUserRequest(
        username=user.username.upper(), email="another@example.com", password=harness.password))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS and _error(err) == "already_exists"


def test_a_duplicate_email_is_already_exists(harness) -> None:
    user = harness.user()
    err = _fails(harness.stub.CreateUser, pb.CreateUserRequest(
        username="x" + user.username, email=user.email.upper(), password=harness.password))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS


@pytest.mark.parametrize(("password", "message"), [
    ("é" * 37, "password longer than 72 bytes"), ("short", "password shorter than 8 characters")])
def test_bad_passwords_are_invalid_argument(harness, password: str, message: str) -> None:
    err = _fails(harness.stub.CreateUser, pb.CreateUserRequest(
        username="u" + uuid.uuid4().hex[:8], email="p@example.com", password=password))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and _error(err) == "invalid_request"
    assert err.details() == message


def test_get_user_by_id_and_by_username(harness) -> None:
    user = harness.user()
    assert harness.stub.GetUser(pb.GetUserRequest(id=user.id), timeout=10).user == user
    assert harness.stub.GetUser(pb.GetUserRequest(username=user.username.upper()), timeout=10).user == user


@pytest.mark.parametrize("lookup", [{"id": str(uuid.uuid4())}, {"id": "not-a-uuid\x00"},
                                    {"username": "nobody-\x00"}, {}])
def test_unknown_users_are_not_found(harness, lookup: dict[str, str]) -> None:
    err = _fails(harness.stub.GetUser, pb.GetUserRequest(**lookup))
    assert err.code() == grpc.StatusCode.NOT_FOUND and _error(err) == "not_found"


def test_list_users_is_ordered_by_username(harness) -> None:
    for name in ("zz-list", "AA-list", "mm-list"):
        harness.user(username=name + uuid.uuid4().hex[:6])
    users = harness.stub.ListUsers(pb.ListUsersRequest(limit=1000), timeout=10).users
    keys = [u.username.casefold() for u in users]
    assert keys == sorted(keys) and len(users) >= 3
    assert len(harness.stub.ListUsers(pb.ListUsersRequest(limit=2), timeout=10).users) == 2


def test_verify_password_good_bad_unknown(harness) -> None:
    user = harness.user()
    good = harness.stub.VerifyPassword(pb.VerifyPasswordRequest(
        username=user.username, password=harness.password, client_ip="203.0.113.9"), timeout=10)
    assert good.valid and good.user.id == user.id
    bad = harness.stub.VerifyPassword(pb.VerifyPasswordRequest(username=user.username, password="nope"),
                                      timeout=10)
    unknown = harness.stub.VerifyPassword(pb.VerifyPasswordRequest(username="ghost-" + user.username,
                                                                   password=harness.password), timeout=10)
    assert bad == unknown == pb.VerifyPasswordResponse(valid=False)


def test_a_disabled_user_cannot_log_in_and_loses_their_sessions(harness) -> None:
    user = harness.user()
    disabled = harness.stub.DisableUser(pb.DisableUserRequest(id=user.id), timeout=10).user
    assert disabled.disabled and user.id in harness.sessions.revoked_users
    request = pb.VerifyPasswordRequest(username=user.username, password=harness.password)
    resp = harness.stub.VerifyPassword(request, timeout=10)
    assert not resp.valid


def test_get_user_claims_by_scope(harness) -> None:
    user = harness.user(name="Ada Lovelace", given_name="Ada", email_verified=True)
    def claims(*scopes: str) -> dict:  # noqa: E306
        resp = harness.stub.GetUserClaims(pb.GetUserClaimsRequest(user_id=user.id, scopes=scopes), timeout=10)
        return json.loads(resp.claims_json)
    assert claims("openid") == {"sub": user.id}
    assert claims("openid", "profile") == {
        "sub": user.id, "name": "Ada Lovelace", "given_name": "Ada", "preferred_username": user.username,
        "updated_at": user.updated_at.seconds}
    assert claims("email") == {"sub": user.id, "email": user.email, "email_verified": True}
    err = _fails(harness.stub.GetUserClaims, pb.GetUserClaimsRequest(user_id=str(uuid.uuid4())))
    assert err.code() == grpc.StatusCode.NOT_FOUND
