"""TokenService.RevokeClientTokens over gRPC, as the outbox relay's TokenRevoker (with the
GRPC_CLIENT_TIMEOUT_SECONDS deadline; a failure comes back as an OAuthError)."""

from __future__ import annotations

import grpc
from authgate.token.v1 import token_pb2, token_pb2_grpc
from authgate_common.grpc_server import RpcClient


class GrpcTokenRevoker:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._rpc = RpcClient(token_pb2_grpc.TokenServiceStub(channel), timeout)

    def revoke_client_tokens(self, user_id: str, client_id: str) -> int:
        resp = self._rpc.call("RevokeClientTokens", token_pb2.RevokeClientTokensRequest(
            user_id=user_id, client_id=client_id))
        return int(resp.revoked_families)
