"""UpdateClient and RotateClientSecret over gRPC on real PostgreSQL: what the CLI sees
(statuses, RFC error codes), what is stored, and the audit rows — never a secret."""

from __future__ import annotations

import json

import grpc
import pytest
from authgate.audit.v1 import audit_pb2 as apb
from authgate.audit.v1 import audit_pb2_grpc as apb_grpc
from authgate.authorization.v1 import authorization_pb2 as az
from google.protobuf.field_mask_pb2 import FieldMask


def _error(err: grpc.RpcError) -> tuple[grpc.StatusCode, str]:
    return err.code(), dict(err.trailing_metadata() or ()).get("authgate-oauth-error", "")  # type: ignore[attr-defined]


def _update(stub, client_id: str, paths: list[str], **values) -> az.UpdateClientResponse:
    return stub.UpdateClient(az.UpdateClientRequest(client=az.Client(client_id=client_id, **values),
                                                    update_mask=FieldMask(paths=paths)))


def test_update_is_stored_and_returned_with_the_changed_fields(harness, grpc_channel) -> None:
    stub = harness.stub(grpc_channel)
    client, secret = harness.client(grpc_channel, post_logout_redirect_uris=["https://app.example/bye"])
    new_cb = f"https://app.example/{client.client_id}/new"
    resp = _update(stub, client.client_id, ["redirect_uris", "scopes", "name", "post_logout_redirect_uris"],
                   redirect_uris=[new_cb], scopes=["openid", "read", "read"], name="Renamed")
    assert list(resp.changed_fields) == ["name", "redirect_uris", "post_logout_redirect_uris", "scopes"]
    stored = stub.GetClient(az.GetClientRequest(client_id=client.client_id)).client
    assert stored == resp.client
    assert list(stored.redirect_uris) == [new_cb] and list(stored.scopes) == ["openid", "read"]
    assert stored.name == "Renamed" and list(stored.post_logout_redirect_uris) == []
    assert stored.created_at == client.created_at and stored.first_party
    # Its secret is the same as before.
    assert stub.AuthenticateClient(az.AuthenticateClientRequest(client_id=client.client_id,
                                                                client_secret=secret)).client
    again = _update(stub, client.client_id, ["name"], name="Renamed")
    assert list(again.changed_fields) == []


@pytest.mark.parametrize(("paths", "values"), [
    ([], {}),
    (["client_type"], {"client_type": "public"}),
    (["token_endpoint_auth_method"], {"token_endpoint_auth_method": "none"}),
    (["created_at"], {}),
    (["no_such_field"], {}),
    (["redirect_uris"], {"redirect_uris": ["http://evil.example/cb"]}),
    (["scopes"], {"scopes": ["root"]}),
    (["jwks"], {"jwks": '{"keys": []}'}),
    (["scopes"], {"scopes": ["openid", "admin:users"]}),  # not an admin client
    (["admin", "scopes"], {"admin": True, "scopes": ["admin:users"]}),  # no client_credentials
])
def test_refused_updates_are_invalid_request_and_change_nothing(harness, grpc_channel, paths, values) -> None:
    stub = harness.stub(grpc_channel)
    client, _ = harness.client(grpc_channel)
    with pytest.raises(grpc.RpcError) as err:
        _update(stub, client.client_id, paths, **values)
    assert _error(err.value) == (grpc.StatusCode.INVALID_ARGUMENT, "invalid_request")
    assert stub.GetClient(az.GetClientRequest(client_id=client.client_id)).client == client


def test_unknown_client_is_not_found(harness, grpc_channel) -> None:
    stub = harness.stub(grpc_channel)
    for call in (lambda: _update(stub, "nobody", ["name"], name="x"),
                 lambda: stub.RotateClientSecret(az.RotateClientSecretRequest(client_id="nobody"))):
        with pytest.raises(grpc.RpcError) as err:
            call()
        assert _error(err.value) == (grpc.StatusCode.NOT_FOUND, "not_found")


def test_rotation_stops_the_old_secret_and_is_audited_without_it(harness, grpc_channel) -> None:
    stub = harness.stub(grpc_channel)
    client, old = harness.client(grpc_channel)
    resp = stub.RotateClientSecret(az.RotateClientSecretRequest(client_id=client.client_id))
    new = resp.client_secret
    assert len(new) >= 43 and new != old and resp.client == client
    with pytest.raises(grpc.RpcError) as err:
        stub.AuthenticateClient(az.AuthenticateClientRequest(client_id=client.client_id, client_secret=old))
    assert _error(err.value) == (grpc.StatusCode.UNAUTHENTICATED, "invalid_client")
    assert stub.AuthenticateClient(az.AuthenticateClientRequest(client_id=client.client_id,
                                                                client_secret=new)).client
    _update(stub, client.client_id, ["first_party"], first_party=False)
    got = apb_grpc.AuditServiceStub(grpc_channel).ListAuditEvents(
        apb.ListAuditEventsRequest(type="client.*"), timeout=10)
    events = [(e.type, e.actor, json.loads(e.details_json)) for e in reversed(got.events)
              if e.client_id == client.client_id]
    assert events == [("client.created", "operator", events[0][2]),
                      ("client.secret_rotated", "operator", {"generated": True}),
                      ("client.changed", "operator", {"fields": ["first_party"]})]
    assert old not in str(got) and new not in str(got)


def test_a_short_secret_or_a_public_client_is_invalid_request(harness, grpc_channel) -> None:
    stub = harness.stub(grpc_channel)
    client, _ = harness.client(grpc_channel)
    public, _ = harness.client(grpc_channel, client_type="public", token_endpoint_auth_method="none")
    for request in (az.RotateClientSecretRequest(client_id=client.client_id, client_secret="short"),
                    az.RotateClientSecretRequest(client_id=public.client_id)):
        with pytest.raises(grpc.RpcError) as err:
            stub.RotateClientSecret(request)
        assert _error(err.value) == (grpc.StatusCode.INVALID_ARGUMENT, "invalid_request")
