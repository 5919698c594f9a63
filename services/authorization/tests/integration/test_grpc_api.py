"""AuthorizationService over gRPC on real PostgreSQL: statuses and trailing metadata a
caller (the token service, the CLI) sees."""

from __future__ import annotations

import grpc
import pytest
from authgate.authorization.v1 import authorization_pb2 as az


def _metadata(err: grpc.RpcError) -> dict[str, str]:
    return dict(err.trailing_metadata() or ())  # type: ignore[attr-defined]


def test_create_client_generates_a_secret_shown_once(harness, grpc_channel) -> None:
    client, secret = harness.client(grpc_channel)
    assert len(secret) >= 43
    assert client.client_type == "confidential"
    assert client.token_endpoint_auth_method == "client_secret_basic"
    assert client.created_at.seconds > 0
    got = harness.stub(grpc_channel).GetClient(az.GetClientRequest(client_id=client.client_id))
    assert got.client == client
    assert secret not in str(got)


def test_duplicate_client_is_already_exists(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel)
    with pytest.raises(grpc.RpcError) as exc:
        harness.client(grpc_channel, client_id=client.client_id)
    assert exc.value.code() == grpc.StatusCode.ALREADY_EXISTS


def test_invalid_registration_is_invalid_argument(harness, grpc_channel) -> None:
    with pytest.raises(grpc.RpcError) as exc:
        harness.client(grpc_channel, client_type="public", pkce_optional=True)
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _metadata(exc.value)["authgate-oauth-error"] == "invalid_request"


def test_get_list_delete(harness, grpc_channel) -> None:
    stub = harness.stub(grpc_channel)
    client, _ = harness.client(grpc_channel)
    listed = stub.ListClients(az.ListClientsRequest()).clients
    ids = [c.client_id for c in listed]
    assert client.client_id in ids and ids == sorted(ids)
    stub.DeleteClient(az.DeleteClientRequest(client_id=client.client_id))
    for call in (lambda: stub.GetClient(az.GetClientRequest(client_id=client.client_id)),
                 lambda: stub.DeleteClient(az.DeleteClientRequest(client_id=client.client_id))):
        with pytest.raises(grpc.RpcError) as exc:
            call()
        assert exc.value.code() == grpc.StatusCode.NOT_FOUND


def test_authenticate_client(harness, grpc_channel) -> None:
    stub = harness.stub(grpc_channel)
    client, secret = harness.client(grpc_channel)
    ok = stub.AuthenticateClient(az.AuthenticateClientRequest(client_id=client.client_id,
                                                              client_secret=secret))
    assert ok.client.client_id == client.client_id
    for cid, presented in [(client.client_id, secret + "x"), (client.client_id, ""),
                           ("nobody", secret)]:
        with pytest.raises(grpc.RpcError) as exc:
            stub.AuthenticateClient(az.AuthenticateClientRequest(client_id=cid, client_secret=presented))
        assert exc.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert _metadata(exc.value)["authgate-oauth-error"] == "invalid_client"


def test_public_client_authenticates_without_secret_only(harness, grpc_channel) -> None:
    stub = harness.stub(grpc_channel)
    client, secret = harness.client(grpc_channel, client_type="public", token_endpoint_auth_method="none")
    assert secret == ""
    assert stub.AuthenticateClient(az.AuthenticateClientRequest(client_id=client.client_id)).client.client_id
    with pytest.raises(grpc.RpcError) as exc:
        stub.AuthenticateClient(az.AuthenticateClientRequest(client_id=client.client_id,
                                                             client_secret="x" * 43))
    assert exc.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_redeem_code_then_replay_names_the_grant(harness, grpc_channel) -> None:
    stub = harness.stub(grpc_channel)
    client, _ = harness.client(grpc_channel)
    verifier, challenge = harness.pkce_pair()
    code = harness.code(client, challenge, nonce="n-1")
    request = az.RedeemCodeRequest(code=code, client_id=client.client_id,
                                   redirect_uri=client.redirect_uris[0], code_verifier=verifier)
    grant = stub.RedeemCode(request).grant
    assert grant.client_id == client.client_id and grant.user_id == "user-1"
    assert list(grant.scopes) == ["openid", "read"] and grant.nonce == "n-1"
    assert list(grant.amr) == ["pwd"] and grant.auth_time.seconds > 0 and grant.sid
    assert len(grant.grant_id) == 32
    with pytest.raises(grpc.RpcError) as exc:
        stub.RedeemCode(request)
    assert exc.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    md = _metadata(exc.value)
    assert md["authgate-oauth-error"] == "invalid_grant"
    assert md["authgate-replayed-grant-id"] == grant.grant_id


def test_verifier_without_challenge_is_invalid_request(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel, pkce_optional=True)
    code = harness.code(client, "", code_challenge_method="")
    verifier, _ = harness.pkce_pair()
    with pytest.raises(grpc.RpcError) as exc:
        harness.stub(grpc_channel).RedeemCode(az.RedeemCodeRequest(
            code=code, client_id=client.client_id, redirect_uri=client.redirect_uris[0],
            code_verifier=verifier))
    assert _metadata(exc.value)["authgate-oauth-error"] == "invalid_request"


def test_an_admin_client_is_created_and_authenticated_as_one(harness, grpc_channel) -> None:
    stub = harness.stub(grpc_channel)
    client, secret = harness.client(grpc_channel, admin=True, first_party=False, redirect_uris=[],
                                    scopes=["admin:users", "admin:audit"], grant_types=["client_credentials"])
    assert client.admin and list(client.scopes) == ["admin:users", "admin:audit"]
    assert stub.GetClient(az.GetClientRequest(client_id=client.client_id)).client.admin
    # The token service learns the mark from the authentication's answer.
    ok = stub.AuthenticateClient(az.AuthenticateClientRequest(client_id=client.client_id,
                                                              client_secret=secret))
    assert ok.client.admin and list(ok.client.scopes) == ["admin:users", "admin:audit"]
    plain, _ = harness.client(grpc_channel)
    assert not plain.admin


@pytest.mark.parametrize("fields", [
    {"scopes": ["read", "admin:users"], "grant_types": ["client_credentials"], "redirect_uris": []},
    {"admin": True, "scopes": ["admin:users"]},  # authorization_code only
    {"admin": True, "client_type": "public", "token_endpoint_auth_method": "none"},
])
def test_admin_registrations_that_could_be_misused_are_invalid_request(harness, grpc_channel, fields) -> None:
    with pytest.raises(grpc.RpcError) as exc:
        harness.client(grpc_channel, **fields)
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _metadata(exc.value)["authgate-oauth-error"] == "invalid_request"
