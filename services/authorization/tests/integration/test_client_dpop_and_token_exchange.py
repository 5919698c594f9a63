"""A client's `dpop_bound_access_tokens` and token exchange policy (migration 0014) over
gRPC on real PostgreSQL: registered, read back by Get/List/AuthenticateClient (which the
token service reads), changed by field mask, and refused when they break the rules."""

from __future__ import annotations

import grpc
import pytest
from authgate.authorization.v1 import authorization_pb2 as az
from google.protobuf.field_mask_pb2 import FieldMask

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def test_the_fields_are_stored_read_and_changed(harness, grpc_channel) -> None:
    stub = harness.stub(grpc_channel)
    client, secret = harness.client(
        grpc_channel, grant_types=["authorization_code", EXCHANGE], dpop_bound_access_tokens=True,
        token_exchange_impersonation=True, token_exchange_subject_audiences=["https://api.example", "web"])
    got = stub.GetClient(az.GetClientRequest(client_id=client.client_id)).client
    listed = [c for c in stub.ListClients(az.ListClientsRequest()).clients if c.client_id == client.client_id]
    authenticated = stub.AuthenticateClient(az.AuthenticateClientRequest(
        client_id=client.client_id, client_secret=secret)).client
    for seen in (client, got, *listed, authenticated):
        assert seen.dpop_bound_access_tokens and seen.token_exchange_impersonation
        assert not seen.token_exchange_delegation
        assert list(seen.token_exchange_subject_audiences) == ["https://api.example", "web"]
    resp = stub.UpdateClient(az.UpdateClientRequest(
        client=az.Client(client_id=client.client_id, dpop_bound_access_tokens=False,
                         token_exchange_delegation=True, token_exchange_subject_audiences=[]),
        update_mask=FieldMask(paths=["dpop_bound_access_tokens", "token_exchange_delegation",
                                     "token_exchange_subject_audiences"])))
    assert list(resp.changed_fields) == ["dpop_bound_access_tokens", "token_exchange_delegation",
                                         "token_exchange_subject_audiences"]
    got = stub.GetClient(az.GetClientRequest(client_id=client.client_id)).client
    assert not got.dpop_bound_access_tokens and got.token_exchange_delegation
    assert list(got.token_exchange_subject_audiences) == []


@pytest.mark.parametrize("fields", [
    {"token_exchange_impersonation": True},
    {"grant_types": [EXCHANGE], "client_type": "public", "token_endpoint_auth_method": "none"},
    {"grant_types": ["authorization_code", EXCHANGE], "token_exchange_subject_audiences": ["a b"]},
])
def test_a_policy_against_the_rules_is_invalid_argument(harness, grpc_channel, fields) -> None:
    with pytest.raises(grpc.RpcError) as exc:
        harness.client(grpc_channel, **fields)
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
