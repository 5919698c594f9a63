"""AuthorizationService over gRPC: client authentication and code redemption."""

from __future__ import annotations

import grpc
from authgate.authorization.v1 import authorization_pb2 as pb
from authgate.authorization.v1 import authorization_pb2_grpc as pb_grpc
from authgate_common.grpc_server import RpcClient

from ..domain.ports import Client, RedeemedGrant


def _client(msg: pb.Client) -> Client:
    return Client(client_id=msg.client_id, client_type=msg.client_type or "confidential",
                  token_endpoint_auth_method=msg.token_endpoint_auth_method or "client_secret_basic",
                  grant_types=tuple(msg.grant_types), scopes=tuple(msg.scopes),
                  audiences=tuple(msg.audiences), first_party=msg.first_party, admin=msg.admin)


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
        g = resp.grant
        return RedeemedGrant(
            grant_id=g.grant_id, user_id=g.user_id, client_id=g.client_id, scopes=tuple(g.scopes),
            sid=g.sid, nonce=g.nonce, amr=tuple(g.amr),
            auth_time=g.auth_time.seconds if g.HasField("auth_time") else None)
