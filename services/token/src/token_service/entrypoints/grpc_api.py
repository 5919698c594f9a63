"""authgate.token.v1.TokenService (and Envoy's ext_authz Check) over gRPC: thin shells
over the token validator.

Errors are raised as OAuthError; the shared interceptor turns them into
UNAUTHENTICATED / PERMISSION_DENIED / UNAVAILABLE with the code in trailing metadata.
"""

from __future__ import annotations

import json

import grpc
from authgate.token.v1 import token_pb2 as pb
from authgate.token.v1 import token_pb2_grpc as pb_grpc
from envoy.service.auth.v3 import external_auth_pb2_grpc as ext_grpc

from ..domain.validation import TokenValidator
from .ext_authz import SERVICE_NAME as EXT_AUTHZ_SERVICE_NAME
from .ext_authz import AuthorizationServicer

SERVICE_NAME = "authgate.token.v1.TokenService"
SERVICE_NAMES = [SERVICE_NAME, EXT_AUTHZ_SERVICE_NAME]


class TokenServicer(pb_grpc.TokenServiceServicer):
    def __init__(self, validator: TokenValidator) -> None:
        self._validator = validator

    def ValidateToken(self, request: pb.ValidateTokenRequest,  # noqa: N802 - gRPC method name
                      context: grpc.ServicerContext) -> pb.ValidateTokenResponse:
        claims = self._validator.validate(request.token, list(request.required_scopes),
                                          request.audience or None)
        aud = claims.get("aud", [])
        return pb.ValidateTokenResponse(
            sub=claims["sub"], client_id=str(claims.get("client_id", "")),
            scopes=str(claims.get("scope", "")).split(), sid=str(claims.get("sid", "")),
            jti=claims["jti"], aud=[aud] if isinstance(aud, str) else [str(a) for a in aud],
            iss=claims["iss"], exp=int(claims["exp"]), iat=int(claims["iat"]),
            claims_json=json.dumps(claims, separators=(",", ":")))


def registrar(validator: TokenValidator):  # type: ignore[no-untyped-def]
    """The `register` callback for authgate_common's server factory."""

    def register(server: grpc.Server) -> None:
        pb_grpc.add_TokenServiceServicer_to_server(TokenServicer(validator), server)
        ext_grpc.add_AuthorizationServicer_to_server(AuthorizationServicer(validator), server)

    return register
