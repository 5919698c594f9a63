"""Bearer tokens checked by the token service (authgate.token.v1.TokenService/ValidateToken),
for the services that serve a bearer-protected API (session: the account API; identity:
the admin API's users). Errors come back as the same OAuthError (invalid_token,
insufficient_scope, temporarily_unavailable) through RpcClient.
"""

from __future__ import annotations

from collections.abc import Sequence

from authgate.token.v1 import token_pb2, token_pb2_grpc
from grpc import Channel

from .core.access_tokens import TokenInfo
from .core.errors import InvalidToken
from .grpc_server import RpcClient

# Access tokens are compact JWS of a few hundred bytes; a megabyte is not one of ours.
MAX_TOKEN_LENGTH = 8192


class GrpcTokenValidator:
    def __init__(self, channel: Channel, timeout: float) -> None:
        self._rpc = RpcClient(token_pb2_grpc.TokenServiceStub(channel), timeout)

    def validate(self, token: str, required_scopes: Sequence[str] = ()) -> TokenInfo:
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("The access token is invalid.")
        resp = self._rpc.call("ValidateToken", token_pb2.ValidateTokenRequest(
            token=token, required_scopes=list(required_scopes)))
        return TokenInfo(sub=resp.sub, sid=resp.sid, scopes=tuple(resp.scopes), audiences=tuple(resp.aud),
                         client_id=resp.client_id)
