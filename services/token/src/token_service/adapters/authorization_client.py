"""AuthorizationService over gRPC: client authentication, code redemption and the device
authorization grant's start and polls (RFC 8628)."""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from authgate.authorization.v1 import authorization_pb2 as pb
from authgate.authorization.v1 import authorization_pb2_grpc as pb_grpc
from authgate_common.grpc_server import RpcClient

from ..domain.endpoints.device_authorization import StartedDevice
from ..domain.ports import Client, RedeemedGrant


def _client(msg: pb.Client) -> Client:
    return Client(client_id=msg.client_id, client_type=msg.client_type or "confidential",
                  token_endpoint_auth_method=msg.token_endpoint_auth_method or "client_secret_basic",
                  grant_types=tuple(msg.grant_types), scopes=tuple(msg.scopes),
                  audiences=tuple(msg.audiences), first_party=msg.first_party, admin=msg.admin,
                  dpop_bound_access_tokens=msg.dpop_bound_access_tokens,
                  token_exchange_impersonation=msg.token_exchange_impersonation,
                  token_exchange_delegation=msg.token_exchange_delegation,
                  token_exchange_subject_audiences=tuple(msg.token_exchange_subject_audiences))


class GrpcAuthorizationClient:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._rpc = RpcClient(pb_grpc.AuthorizationServiceStub(channel), timeout)

    def authenticate_client(self, client_id: str, client_secret: str, *, client_assertion_type: str = "",
                            client_assertion: str = "") -> Client:
        resp = self._rpc.call("AuthenticateClient", pb.AuthenticateClientRequest(
            client_id=client_id, client_secret=client_secret,
            client_assertion_type=client_assertion_type, client_assertion=client_assertion))
        return _client(resp.client)

    def redeem_code(self, code: str, client_id: str, redirect_uri: str, code_verifier: str) -> RedeemedGrant:
        resp = self._rpc.call("RedeemCode", pb.RedeemCodeRequest(
            code=code, client_id=client_id, redirect_uri=redirect_uri, code_verifier=code_verifier))
        return _grant(resp.grant)

    def start_device(self, client_id: str, scope: str, resources: tuple[str, ...]) -> StartedDevice:
        """RFC 8628 §3.1-3.2 (domain/endpoints/device_authorization.py)."""
        r = self._rpc.call("StartDeviceAuthorization", pb.StartDeviceAuthorizationRequest(
            client_id=client_id, scope=scope, resources=list(resources)))
        return StartedDevice(device_code=r.device_code, user_code=r.user_code,
                             verification_uri=r.verification_uri,
                             verification_uri_complete=r.verification_uri_complete,
                             expires_in=r.expires_in, interval=r.interval)

    def poll_device(self, client_id: str, device_code: str) -> RedeemedGrant:
        """RFC 8628 §3.4-3.5 (domain/grants/device_code.py)."""
        resp = self._rpc.call("PollDeviceAuthorization", pb.PollDeviceAuthorizationRequest(
            client_id=client_id, device_code=device_code))
        return _grant(resp.grant)

    def push_authorization_request(self, client_id: str,
                                   params: Sequence[tuple[str, str]]) -> tuple[str, int]:
        """RFC 9126 §2 (domain/endpoints/pushed_authorization.py)."""
        resp = self._rpc.call("PushAuthorizationRequest", pb.PushAuthorizationRequestRequest(
            client_id=client_id, params=[pb.RequestParam(name=n, value=v) for n, v in params]))
        return resp.request_uri, resp.expires_in


def _grant(g: pb.Grant) -> RedeemedGrant:
    """What a redeemed code or an approved device code stood for."""
    return RedeemedGrant(
        grant_id=g.grant_id, user_id=g.user_id, client_id=g.client_id, scopes=tuple(g.scopes),
        sid=g.sid, nonce=g.nonce, amr=tuple(g.amr), resources=tuple(g.resources),
        auth_time=g.auth_time.seconds if g.HasField("auth_time") else None)
