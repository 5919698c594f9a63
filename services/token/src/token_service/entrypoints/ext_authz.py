"""Envoy external authorization: envoy.service.auth.v3.Authorization/Check.

The gateway asks before forwarding a protected route. The bearer token comes from the
request's `authorization` header; the route names what it needs in its
`context_extensions`: `required_scopes` (space-separated) and, optionally, `audience`.
Validation is the ValidateToken path (no database read). Answers follow RFC 6750 §3:
no or bad token → 401 with the Bearer challenge, missing scope → 403
insufficient_scope, revocation state unknown → 503 (fail closed, never allowed).
Allowed requests reach the upstream with the verified x-auth-* headers, overwriting any
a client sent; the empty ones (no `sid` for client_credentials) are removed instead.
"""

from __future__ import annotations

import json
from typing import Any

import grpc
from authgate_common.core.errors import InsufficientScope, InvalidToken, OAuthError, TemporarilyUnavailable
from authgate_common.http import bearer_challenge
from envoy.config.core.v3 import base_pb2 as core
from envoy.service.auth.v3 import external_auth_pb2 as ext
from envoy.service.auth.v3 import external_auth_pb2_grpc as ext_grpc
from envoy.type.v3 import http_status_pb2 as http_status
from google.rpc import code_pb2, status_pb2

from ..domain.tokens.validation import TokenValidator
from .bearer import extract_bearer

SERVICE_NAME = "envoy.service.auth.v3.Authorization"
OVERWRITE = core.HeaderValueOption.OVERWRITE_IF_EXISTS_OR_ADD
# (gRPC status for Envoy's logs, HTTP status for the client) per outcome.
DENIALS = {401: (code_pb2.UNAUTHENTICATED, http_status.Unauthorized),
           403: (code_pb2.PERMISSION_DENIED, http_status.Forbidden),
           503: (code_pb2.UNAVAILABLE, http_status.ServiceUnavailable)}


def _header(key: str, value: str) -> core.HeaderValueOption:
    return core.HeaderValueOption(header=core.HeaderValue(key=key, value=value), append_action=OVERWRITE)


def identity_headers(claims: dict[str, Any]) -> dict[str, str]:
    """The trusted x-auth-* headers of an allowed request (empty ones are to be removed):
    who, with which scopes, in which session, through which client, and how the user signed
    in (`acr`; `amr` space-separated), so an upstream can ask for a second factor itself."""
    amr = claims.get("amr")
    return {"x-auth-sub": str(claims["sub"]), "x-auth-scope": str(claims.get("scope", "")),
            "x-auth-sid": str(claims.get("sid", "")), "x-auth-client-id": str(claims["client_id"]),
            "x-auth-acr": str(claims.get("acr", "")),
            "x-auth-amr": " ".join(str(m) for m in amr) if isinstance(amr, list) else ""}


def denial(err: OAuthError) -> tuple[int, dict[str, str], str]:
    """A refusal as (HTTP status, headers, JSON body); shared by the gRPC and HTTP checks."""
    if isinstance(err, InsufficientScope):
        status = 403
    elif isinstance(err, InvalidToken):
        status = 401
    else:
        # Anything else means we could not decide (the deny-list or session store is down).
        status, err = 503, (err if isinstance(err, TemporarilyUnavailable) else TemporarilyUnavailable())
    headers = {"content-type": "application/json", "cache-control": "no-store"}
    if status == 503:
        headers["retry-after"] = "1"
    else:
        headers["www-authenticate"] = bearer_challenge(None if err.metadata.get("no_token") else err)
    return status, headers, json.dumps(err.to_dict())


def decide(validator: TokenValidator, authorization: str | None, required_scopes: str,
           audience: str | None) -> dict[str, Any] | OAuthError:
    """The verified claims of the request's bearer token, or why it is refused."""
    try:
        token = extract_bearer(authorization)
        return validator.validate(token, required_scopes.split(), audience or None)
    except OAuthError as err:
        return err


def allowed(claims: dict[str, Any]) -> ext.CheckResponse:
    upstream = identity_headers(claims)
    return ext.CheckResponse(
        status=status_pb2.Status(code=code_pb2.OK),
        ok_response=ext.OkHttpResponse(
            headers=[_header(k, v) for k, v in upstream.items() if v],
            headers_to_remove=[k for k, v in upstream.items() if not v]))


def denied(err: OAuthError) -> ext.CheckResponse:
    status, headers, body = denial(err)
    rpc_code, http_code = DENIALS[status]
    return ext.CheckResponse(
        status=status_pb2.Status(code=rpc_code, message=json.loads(body)["error"]),
        denied_response=ext.DeniedHttpResponse(
            status=http_status.HttpStatus(code=http_code),
            headers=[_header(k, v) for k, v in headers.items()],
            body=body))


class AuthorizationServicer(ext_grpc.AuthorizationServicer):
    def __init__(self, validator: TokenValidator) -> None:
        self._validator = validator

    def Check(self, request: ext.CheckRequest,  # noqa: N802 - gRPC method name
              context: grpc.ServicerContext) -> ext.CheckResponse:
        attributes = request.attributes
        extensions = attributes.context_extensions
        result = decide(self._validator, attributes.request.http.headers.get("authorization"),
                        extensions.get("required_scopes", ""), extensions.get("audience"))
        return denied(result) if isinstance(result, OAuthError) else allowed(result)
