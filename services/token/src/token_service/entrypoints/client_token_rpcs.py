"""RevokeClientTokens of authgate.token.v1.TokenService (the authorization service's outbox
relay asks it when a consent is withdrawn, for one user, and when a client is deleted, for
every user): a thin shell over domain/revocation/client_tokens.py, mixed into TokenServicer."""

from __future__ import annotations

import grpc
from authgate.token.v1 import token_pb2 as pb
from authgate_common.core.errors import TemporarilyUnavailable

from ..domain.revocation.client_tokens import ClientTokenRevocation


class ClientTokenRpcs:
    _client_tokens: ClientTokenRevocation | None = None

    def RevokeClientTokens(self, request: pb.RevokeClientTokensRequest,  # noqa: N802 - gRPC method name
                           context: grpc.ServicerContext) -> pb.RevokeClientTokensResponse:
        if self._client_tokens is None:
            raise TemporarilyUnavailable(detail="client token revocation not wired")
        return pb.RevokeClientTokensResponse(
            revoked_families=self._client_tokens.revoke(request.user_id, request.client_id))
