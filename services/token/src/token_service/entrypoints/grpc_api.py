"""authgate.token.v1.TokenService (and Envoy's ext_authz Check) over gRPC: thin shells
over the token validator and the signing keys (ListSigningKeys, RotateSigningKeys).

Errors are raised as OAuthError; the shared interceptor turns them into
UNAUTHENTICATED / PERMISSION_DENIED / UNAVAILABLE with the code in trailing metadata.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import grpc
from authgate.token.v1 import token_pb2 as pb
from authgate.token.v1 import token_pb2_grpc as pb_grpc
from authgate_common.audit_service import ACCESS as AUDIT_ACCESS
from authgate_common.grpc_access import GATEWAY, OPERATOR, VALIDATOR, callers
from authgate_common.proto_time import timestamp
from envoy.service.auth.v3 import external_auth_pb2_grpc as ext_grpc

from ..domain.dpop import BEARER, Presentation, bound_jkt
from ..domain.keys.signing_keys import KeyInfo, SigningKeys
from ..domain.revocation.client_tokens import ClientTokenRevocation
from ..domain.tokens.id_token_hints import IdTokenHints
from ..domain.tokens.logout_tokens import LogoutTokens
from ..domain.tokens.validation import TokenValidator
from .client_token_rpcs import ClientTokenRpcs
from .ext_authz import SERVICE_NAME as EXT_AUTHZ_SERVICE_NAME
from .ext_authz import AuthorizationServicer
from .logout_rpcs import LogoutRpcs
from .revocation_feed_grpc import ACCESS as FEED_ACCESS
from .revocation_feed_grpc import SERVICE_NAME as FEED_SERVICE_NAME

SERVICE_NAME = "authgate.token.v1.TokenService"
RESPONSE_CACHE_SIZE = 4096  # ValidateToken answers, by token (as the validator's own memory)
SERVICE_NAMES = [SERVICE_NAME, EXT_AUTHZ_SERVICE_NAME, FEED_SERVICE_NAME]
# Who may call each method (authgate_common.grpc_access; docs/internal-plane.md).
ACCESS = {
    **callers(SERVICE_NAME, {
        # Resource servers holding a validator certificate, the gateway, the session
        # service (bearer tokens at /api/v1/sessions and /api/v1/logout, the admin API's
        # sessions), the identity service (the admin API's users) and the authorization
        # service (the admin API's clients and consents).
        "ValidateToken": (VALIDATOR, GATEWAY, "session", "identity", "authorization"),
        "ListSigningKeys": OPERATOR,
        "RotateSigningKeys": OPERATOR,
        "VerifyIdTokenHint": "session",  # the end-session endpoint's id_token_hint
        "SignLogoutToken": "authorization",  # back-channel logout deliveries
        "RevokeClientTokens": "authorization",  # a client deleted or its secret rotated
    }),
    **callers(EXT_AUTHZ_SERVICE_NAME, {"Check": GATEWAY}),  # Envoy's ext_authz filter
    **AUDIT_ACCESS,
    **FEED_ACCESS,  # RevocationFeedService: verifiers (revocation_feed_grpc.py)
}


def _response(claims: dict[str, Any]) -> pb.ValidateTokenResponse:
    aud = claims.get("aud", [])
    amr = claims.get("amr")
    return pb.ValidateTokenResponse(
        acr=str(claims.get("acr", "")), amr=[str(m) for m in amr] if isinstance(amr, list) else [],
        sub=claims["sub"], client_id=str(claims.get("client_id", "")),
        scopes=str(claims.get("scope", "")).split(), sid=str(claims.get("sid", "")),
        jti=claims["jti"], aud=[aud] if isinstance(aud, str) else [str(a) for a in aud],
        iss=claims["iss"], exp=int(claims["exp"]), iat=int(claims["iat"]),
        claims_json=json.dumps(claims, separators=(",", ":")), cnf_jkt=bound_jkt(claims))


def presentation(request: pb.ValidateTokenRequest) -> Presentation:
    """How the caller received the token (RFC 9449 §7): nothing sent is Bearer without a
    proof, so callers that know nothing of DPoP keep working for bearer tokens."""
    return Presentation(request.token_scheme or BEARER, request.dpop_proof or None,
                        request.http_method, request.http_url)


def _key(info: KeyInfo) -> pb.SigningKey:
    return pb.SigningKey(kid=info.kid, alg=info.alg, state=info.state,
                         created_at=timestamp(info.created_at),
                         activated_at=timestamp(info.activated_at),
                         retired_at=timestamp(info.retired_at),
                         published_until=timestamp(info.published_until))


class TokenServicer(LogoutRpcs, ClientTokenRpcs, pb_grpc.TokenServiceServicer):
    def __init__(self, validator: TokenValidator, signing_keys: SigningKeys,
                 hints: IdTokenHints | None = None, logout_tokens: LogoutTokens | None = None,
                 client_tokens: ClientTokenRevocation | None = None) -> None:
        self._validator = validator
        self._keys = signing_keys
        self._hints = hints
        self._logout_tokens = logout_tokens
        self._client_tokens = client_tokens
        self._responses: dict[str, pb.ValidateTokenResponse] = {}
        self._responses_lock = threading.Lock()

    def ValidateToken(self, request: pb.ValidateTokenRequest,  # noqa: N802 - gRPC method name
                      context: grpc.ServicerContext) -> pb.ValidateTokenResponse:
        claims = self._validator.validate(request.token, list(request.required_scopes),
                                          request.audience or None, presentation(request))
        # The answer depends on the token's claims alone: built once per token (the
        # validation above still runs on every call: expiry, deny-list, session, scopes).
        response = self._responses.get(request.token)
        if response is None:
            response = _response(claims)
            with self._responses_lock:
                if len(self._responses) >= RESPONSE_CACHE_SIZE:
                    del self._responses[next(iter(self._responses))]  # the oldest
                self._responses[request.token] = response
        return response

    def ListSigningKeys(self, request: pb.ListSigningKeysRequest,  # noqa: N802 - gRPC method name
                        context: grpc.ServicerContext) -> pb.ListSigningKeysResponse:
        return pb.ListSigningKeysResponse(keys=[_key(k) for k in self._keys.describe()])

    def RotateSigningKeys(self, request: pb.RotateSigningKeysRequest,  # noqa: N802 - gRPC method name
                          context: grpc.ServicerContext) -> pb.RotateSigningKeysResponse:
        outcome = self._keys.rotate(force=request.force)
        return pb.RotateSigningKeysResponse(rotated=outcome.rotated, current_kid=outcome.current_kid,
                                            keys=[_key(k) for k in outcome.keys],
                                            not_before=timestamp(outcome.not_before))


def registrar(validator: TokenValidator, signing_keys: SigningKeys,  # type: ignore[no-untyped-def]
              hints: IdTokenHints | None = None, logout_tokens: LogoutTokens | None = None,
              client_tokens: ClientTokenRevocation | None = None):
    """The `register` callback for authgate_common's server factory."""

    def register(server: grpc.Server) -> None:
        pb_grpc.add_TokenServiceServicer_to_server(
            TokenServicer(validator, signing_keys, hints, logout_tokens, client_tokens), server)
        ext_grpc.add_AuthorizationServicer_to_server(AuthorizationServicer(validator), server)

    return register
