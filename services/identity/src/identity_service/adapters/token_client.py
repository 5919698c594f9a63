"""Bearer tokens checked by the token service (authgate.token.v1.TokenService/ValidateToken).

The identity service holds no signing keys: it asks. Errors come back as the same
OAuthError (invalid_token, temporarily_unavailable) through RpcClient.
"""

from __future__ import annotations

from authgate.token.v1 import token_pb2, token_pb2_grpc
from authgate_common.core.errors import InvalidToken
from authgate_common.grpc_server import RpcClient
from grpc import Channel

from ..domain.admin.caller import TokenInfo

# Access tokens are compact JWS of a few hundred bytes; a megabyte is not one of ours.
MAX_TOKEN_LENGTH = 8192


class GrpcTokenValidator:
    def __init__(self, channel: Channel, timeout: float) -> None:
        self._rpc = RpcClient(token_pb2_grpc.TokenServiceStub(channel), timeout)

    def validate(self, token: str) -> TokenInfo:
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("The access token is invalid.")
        resp = self._rpc.call("ValidateToken", token_pb2.ValidateTokenRequest(token=token))
        return TokenInfo(sub=resp.sub, client_id=resp.client_id, scopes=tuple(resp.scopes),
                         audiences=tuple(resp.aud))
