"""The logout RPCs of authgate.token.v1.TokenService: VerifyIdTokenHint (the session
service's end-session endpoint asks it) and SignLogoutToken (the authorization service's
back-channel logout delivery asks it). Thin shells over domain/tokens/id_token_hints.py and
domain/tokens/logout_tokens.py; mixed into TokenServicer."""

from __future__ import annotations

import grpc
from authgate.token.v1 import token_pb2 as pb
from authgate_common.core.errors import TemporarilyUnavailable

from ..domain.tokens.id_token_hints import IdTokenHints
from ..domain.tokens.logout_tokens import LogoutTokens


class LogoutRpcs:
    _hints: IdTokenHints | None = None
    _logout_tokens: LogoutTokens | None = None

    def VerifyIdTokenHint(
        self,
        request: pb.VerifyIdTokenHintRequest,  # noqa: N802 - gRPC method name
        context: grpc.ServicerContext,
    ) -> pb.VerifyIdTokenHintResponse:
        if self._hints is None:
            raise TemporarilyUnavailable(detail="id_token_hint verification not wired")
        hint = self._hints.verify(request.id_token_hint)
        return pb.VerifyIdTokenHintResponse(
            sub=hint.sub, sid=hint.sid, aud=list(hint.aud), azp=hint.azp, iat=hint.iat, exp=hint.exp
        )

    def SignLogoutToken(
        self,
        request: pb.SignLogoutTokenRequest,  # noqa: N802 - gRPC method name
        context: grpc.ServicerContext,
    ) -> pb.SignLogoutTokenResponse:
        if self._logout_tokens is None:
            raise TemporarilyUnavailable(detail="logout token signing not wired")
        signed = self._logout_tokens.sign(request.client_id, request.sub, request.sid)
        return pb.SignLogoutTokenResponse(
            logout_token=signed.token, jti=signed.claims["jti"], exp=int(signed.claims["exp"])
        )
