"""The authorization service's audit trail on PostgreSQL, read back over its AuditService:
a client's registration and deletion, and a code issued at /authorize with the request
id and client address the gateway passed — never the code or the client secret."""

from __future__ import annotations

import json

import grpc
import pytest
from authgate.audit.v1 import audit_pb2 as apb
from authgate.audit.v1 import audit_pb2_grpc as apb_grpc
from authgate.authorization.v1 import authorization_pb2 as az


def _events(channel: grpc.Channel, **filters: str) -> list[apb.AuditEvent]:
    got = apb_grpc.AuditServiceStub(channel).ListAuditEvents(
        apb.ListAuditEventsRequest(**filters), timeout=10
    )
    return list(reversed(got.events))


def test_code_issued_at_authorize_is_recorded_with_request_id_and_address(harness, grpc_channel) -> None:
    client, secret = harness.client(grpc_channel)
    cookie, session = harness.sessions.sign_in("user-audit-" + client.client_id)
    _verifier, challenge = harness.pkce_pair()
    resp = harness.http.get(
        "/api/v1/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": client.redirect_uris[0],
            "scope": "openid read",
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        headers={
            "cookie": f"__Host-sso_session={cookie}",
            "x-request-id": "rid-authz-1",
            "x-envoy-external-address": "198.51.100.20",
        },
    )
    assert resp.status_code == 302
    code = harness.query(resp.headers["location"])["code"]
    [event] = _events(grpc_channel, user=session.user_id)
    assert (event.type, event.client_id, event.sid, event.request_id, event.source_address) == (
        "code.issued",
        client.client_id,
        session.sid,
        "rid-authz-1",
        "198.51.100.20",
    )
    assert json.loads(event.details_json)["scope"] == ["openid", "read"]
    assert code not in str(event) and cookie not in str(event)


def test_client_created_and_deleted_are_recorded_once_without_the_secret(harness, grpc_channel) -> None:
    client, secret = harness.client(grpc_channel)
    with pytest.raises(grpc.RpcError) as err:
        harness.stub(grpc_channel).CreateClient(az.CreateClientRequest(client=client))
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    harness.stub(grpc_channel).DeleteClient(az.DeleteClientRequest(client_id=client.client_id))
    events = [e for e in _events(grpc_channel, type="client.*") if e.client_id == client.client_id]
    assert [(e.type, e.actor, e.service) for e in events] == [
        ("client.created", "operator", "authorization"),
        ("client.deleted", "operator", "authorization"),
    ]
    assert secret and secret not in str(events)
