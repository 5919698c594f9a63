"""What the end-session endpoint asks other services over gRPC: the token service to
verify an id_token_hint (it holds the keys), the authorization service for a client's
registered post_logout_redirect_uris (it owns the registry)."""

from __future__ import annotations

from authgate.authorization.v1 import authorization_pb2, authorization_pb2_grpc
from authgate.token.v1 import token_pb2, token_pb2_grpc
from authgate_common.core.errors import NotFound
from authgate_common.grpc_server import RpcClient
from grpc import Channel

from ..domain.rp_logout import Hint, RegisteredClient


class GrpcHintVerifier:
    def __init__(self, channel: Channel, timeout: float) -> None:
        self._rpc = RpcClient(token_pb2_grpc.TokenServiceStub(channel), timeout)

    def verify(self, id_token_hint: str) -> Hint:
        resp = self._rpc.call(
            "VerifyIdTokenHint", token_pb2.VerifyIdTokenHintRequest(id_token_hint=id_token_hint)
        )
        return Hint(sub=resp.sub, sid=resp.sid, aud=tuple(resp.aud), azp=resp.azp)


class GrpcClientDirectory:
    def __init__(self, channel: Channel, timeout: float) -> None:
        self._rpc = RpcClient(authorization_pb2_grpc.AuthorizationServiceStub(channel), timeout)

    def get(self, client_id: str) -> RegisteredClient | None:
        try:
            resp = self._rpc.call("GetClient", authorization_pb2.GetClientRequest(client_id=client_id))
        except NotFound:
            return None
        c = resp.client
        return RegisteredClient(
            client_id=c.client_id, name=c.name, post_logout_redirect_uris=tuple(c.post_logout_redirect_uris)
        )
