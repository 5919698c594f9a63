"""Pushed authorization requests (RFC 9126) on real PostgreSQL: pushed over gRPC as the
token service pushes them, resolved once by /authorize (DELETE … RETURNING: of two racing
uses exactly one wins), and a client's require_pushed_authorization_requests (migration 0011)
stored, changed and enforced."""

from __future__ import annotations

import threading

import grpc
import pytest
from authgate.authorization.v1 import authorization_pb2 as az
from google.protobuf.field_mask_pb2 import FieldMask

AUTHORIZE = "/api/v1/oauth/authorize"


def push(harness, ch, client: az.Client, challenge: str, **extra: str) -> str:
    params = {"response_type": "code", "redirect_uri": client.redirect_uris[0], "scope": "openid read",
              "state": "pushed", "code_challenge": challenge, "code_challenge_method": "S256", **extra}
    resp = harness.stub(ch).PushAuthorizationRequest(az.PushAuthorizationRequestRequest(
        client_id=client.client_id, params=[az.RequestParam(name=k, value=v) for k, v in params.items()]))
    assert resp.request_uri.startswith("urn:ietf:params:oauth:request_uri:") and resp.expires_in == 60
    return resp.request_uri


def authorize(harness, cookie: str, **query: str):
    return harness.http.get(AUTHORIZE, params=query, headers={"cookie": f"__Host-sso_session={cookie}"})


def test_a_pushed_request_yields_one_code(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel)
    request_uri = push(harness, grpc_channel, client, harness.pkce_pair()[1])
    cookie, _ = harness.sessions.sign_in()
    resp = authorize(harness, cookie, client_id=client.client_id, request_uri=request_uri)
    assert resp.status_code == 302, resp.text
    location = resp.headers["location"]
    assert location.startswith(client.redirect_uris[0]) and harness.query(location)["state"] == "pushed"
    again = authorize(harness, cookie, client_id=client.client_id, request_uri=request_uri)
    assert again.status_code == 400 and "location" not in again.headers


def test_two_racing_uses_of_one_request_uri_give_one_code(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel)
    request_uri = push(harness, grpc_channel, client, harness.pkce_pair()[1])
    cookie, _ = harness.sessions.sign_in()
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(
        authorize(harness, cookie, client_id=client.client_id, request_uri=request_uri).status_code))
        for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [302, 400, 400, 400]


def test_a_bad_push_is_refused_with_the_authorize_error(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel)
    with pytest.raises(grpc.RpcError) as exc:
        push(harness, grpc_channel, client, harness.pkce_pair()[1], redirect_uri="https://evil.example/cb")
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_require_pushed_authorization_requests_is_stored_and_enforced(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel, require_pushed_authorization_requests=True)
    assert client.require_pushed_authorization_requests
    cookie, _ = harness.sessions.sign_in()
    challenge = harness.pkce_pair()[1]
    plain = authorize(harness, cookie, client_id=client.client_id, response_type="code",
                      redirect_uri=client.redirect_uris[0], scope="openid", code_challenge=challenge,
                      code_challenge_method="S256")
    assert plain.status_code == 400 and "location" not in plain.headers
    pushed = authorize(harness, cookie, client_id=client.client_id,
                       request_uri=push(harness, grpc_channel, client, challenge))
    assert pushed.status_code == 302
    stub = harness.stub(grpc_channel)
    stub.UpdateClient(az.UpdateClientRequest(
        client=az.Client(client_id=client.client_id, require_pushed_authorization_requests=False),
        update_mask=FieldMask(paths=["require_pushed_authorization_requests"])))
    got = stub.GetClient(az.GetClientRequest(client_id=client.client_id)).client
    assert not got.require_pushed_authorization_requests
