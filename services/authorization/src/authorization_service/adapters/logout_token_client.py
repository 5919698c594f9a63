"""TokenService.SignLogoutToken over gRPC, as the back-channel core's LogoutTokenSigner.

The authorization service holds no signing keys: the token service signs with its
current key, so the logout token verifies against the published JWKS.
"""

from __future__ import annotations

import grpc
from authgate.token.v1 import token_pb2, token_pb2_grpc
from authgate_common.grpc_server import RpcClient


class GrpcLogoutTokenSigner:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._rpc = RpcClient(token_pb2_grpc.TokenServiceStub(channel), timeout)

    def sign(self, client_id: str, sub: str, sid: str) -> str:
        resp = self._rpc.call(
            "SignLogoutToken", token_pb2.SignLogoutTokenRequest(client_id=client_id, sub=sub, sid=sid)
        )
        return str(resp.logout_token)
