"""A client's `require_mfa` (migration 0009) over gRPC on real PostgreSQL: registered,
changed and read back; DescribeClient tells the login page the name and the policy."""

from __future__ import annotations

import grpc
import pytest
from authgate.authorization.v1 import authorization_pb2 as az
from authorization_service.entrypoints.grpc_api import ACCESS, SERVICE_NAME
from google.protobuf.field_mask_pb2 import FieldMask


def test_require_mfa_is_stored_changed_and_described(harness, grpc_channel) -> None:
    stub = harness.stub(grpc_channel)
    client, _ = harness.client(grpc_channel, name="Payroll", require_mfa=True)
    assert client.require_mfa
    described = stub.DescribeClient(az.DescribeClientRequest(client_id=client.client_id))
    assert (described.client_id, described.name, described.require_mfa) == (
        client.client_id, "Payroll", True)
    resp = stub.UpdateClient(az.UpdateClientRequest(
        client=az.Client(client_id=client.client_id, require_mfa=False),
        update_mask=FieldMask(paths=["require_mfa"])))
    assert list(resp.changed_fields) == ["require_mfa"]
    assert not stub.GetClient(az.GetClientRequest(client_id=client.client_id)).client.require_mfa
    assert not stub.DescribeClient(az.DescribeClientRequest(client_id=client.client_id)).require_mfa


def test_a_client_registered_without_it_needs_no_second_factor(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel)
    stub = harness.stub(grpc_channel)
    described = stub.DescribeClient(az.DescribeClientRequest(client_id=client.client_id))
    assert not client.require_mfa and not described.require_mfa and described.name == ""


@pytest.mark.parametrize("client_id", ["no-such-client", "", "x" * 300])
def test_describing_an_unknown_client_is_not_found(harness, grpc_channel, client_id: str) -> None:
    with pytest.raises(grpc.RpcError) as exc:
        harness.stub(grpc_channel).DescribeClient(az.DescribeClientRequest(client_id=client_id))
    assert exc.value.code() == grpc.StatusCode.NOT_FOUND


def test_only_identity_may_describe_a_client() -> None:
    assert ACCESS[f"/{SERVICE_NAME}/DescribeClient"] == frozenset({"identity"})
