"""Envoy external authorization: envoy.service.auth.v3.Authorization/Check.

The gateway asks before forwarding a protected route. The access token comes from the
request's `authorization` header (`Bearer`, or `DPoP` with the request's `dpop` proof:
RFC 9449 §7); the route names what it needs in its `context_extensions`:
`required_scopes` (space-separated) and, optionally, `audience`. Validation is the
ValidateToken path (no database read). Answers follow RFC 6750 §3 and RFC 9449 §7.1:
no or bad token → 401 with the Bearer challenge, a DPoP problem (a bound token without
its proof for this request, a replayed or foreign proof, an unbound token under the DPoP
scheme) → 401 with the DPoP challenge, missing scope → 403 insufficient_scope, revocation
state unknown → 503 (fail closed, never allowed). Allowed requests reach the upstream with
the verified x-auth-* headers, overwriting any a client sent; the empty ones (no `sid`
for client_credentials, no `cnf-jkt` for a bearer token) are removed instead.

The proof must name the request as the client made it to the gateway (`htm`, `htu`):
the method, and scheme://host/path without the query (`request_url`). The scheme is
x-forwarded-proto, which Envoy itself sets from the client's connection (TLS or not) and
overwrites when the client sent one (gateway.yaml `trusted_hops` 0; behind trusted
proxies it is theirs) — never the `:scheme` an HTTP/2 client may write as it likes. The
host is the request's Host (`:authority`), as Envoy accepted and routed it.
"""

from __future__ import annotations

import json
from typing import Any

import grpc
from authgate_common.core.errors import (
    DPOP_CHALLENGE_KEY,
    InsufficientScope,
    InvalidToken,
    OAuthError,
    ResourceDPoPProofRefused,
    TemporarilyUnavailable,
)
from authgate_common.http import error_headers
from envoy.config.core.v3 import base_pb2 as core
from envoy.service.auth.v3 import external_auth_pb2 as ext
from envoy.service.auth.v3 import external_auth_pb2_grpc as ext_grpc
from envoy.type.v3 import http_status_pb2 as http_status
from google.rpc import code_pb2, status_pb2

from ..domain.dpop import ALGS, DPOP, Presentation, bound_jkt
from ..domain.tokens.validation import TokenValidator
from .bearer import presented_token

SERVICE_NAME = "envoy.service.auth.v3.Authorization"
SCHEMES = ("http", "https")
# Characters that have no place in a Host header: with them the URL would name another path.
NOT_IN_HOST = frozenset("/?#@\\ \t")
OVERWRITE = core.HeaderValueOption.OVERWRITE_IF_EXISTS_OR_ADD
# (gRPC status for Envoy's logs, HTTP status for the client) per outcome.
DENIALS = {401: (code_pb2.UNAUTHENTICATED, http_status.Unauthorized),
           403: (code_pb2.PERMISSION_DENIED, http_status.Forbidden),
           503: (code_pb2.UNAVAILABLE, http_status.ServiceUnavailable)}


def _header(key: str, value: str) -> core.HeaderValueOption:
    return core.HeaderValueOption(header=core.HeaderValue(key=key, value=value), append_action=OVERWRITE)


def identity_headers(claims: dict[str, Any]) -> dict[str, str]:
    """The trusted x-auth-* headers of an allowed request (empty ones are to be removed):
    who, with which scopes, in which session, through which client, how the user signed
    in (`acr`; `amr` space-separated), so an upstream can ask for a second factor itself,
    and the thumbprint of the key a DPoP-bound token is bound to (`cnf-jkt`; its proof for
    this very request was checked), so an upstream knows the token was sender-constrained."""
    amr = claims.get("amr")
    return {"x-auth-sub": str(claims["sub"]), "x-auth-scope": str(claims.get("scope", "")),
            "x-auth-sid": str(claims.get("sid", "")), "x-auth-client-id": str(claims["client_id"]),
            "x-auth-acr": str(claims.get("acr", "")),
            "x-auth-amr": " ".join(str(m) for m in amr) if isinstance(amr, list) else "",
            "x-auth-cnf-jkt": bound_jkt(claims)}


def request_url(scheme: str, host: str, path: str) -> str:
    """The absolute URL the client asked the gateway for, without query and fragment (what
    a DPoP proof's `htu` names, RFC 9449 §4.3); "" when it cannot be told, which no proof
    matches."""
    scheme = scheme.strip().lower()
    if scheme not in SCHEMES or not host or NOT_IN_HOST & set(host) or not path.startswith("/"):
        return ""
    return f"{scheme}://{host}{path.split('?', 1)[0].split('#', 1)[0]}"


def denial(err: OAuthError) -> tuple[int, dict[str, str], str]:
    """A refusal as (HTTP status, headers, JSON body); shared by the gRPC and HTTP checks."""
    if isinstance(err, InsufficientScope):
        status = 403
    elif isinstance(err, InvalidToken):
        status = 401
    else:
        # Anything else means we could not decide (the deny-list or session store is down).
        status, err = 503, (err if isinstance(err, TemporarilyUnavailable) else TemporarilyUnavailable())
    # The challenge (Bearer, or DPoP for a DPoP problem: RFC 9449 §7.1), no-store, Retry-After.
    headers = {"content-type": "application/json",
               **{k.lower(): v for k, v in error_headers(err).items()}}
    return status, headers, json.dumps(err.to_dict())


def decide(validator: TokenValidator, authorization: str | None, required_scopes: str,
           audience: str | None, *, dpop: str | None = None, method: str = "",
           url: str = "") -> dict[str, Any] | OAuthError:
    """The verified claims of the request's access token, or why it is refused. `dpop` is
    the request's DPoP header (None when it sent none; repeated headers arrive joined by
    commas, which no proof contains), `method` and `url` the request as the client made it
    (request_url)."""
    scheme = ""
    try:
        scheme, token = presented_token(authorization)
        if scheme == DPOP and dpop is not None and "," in dpop:
            # RFC 9449 §4.3 (1): not more than one DPoP header.
            raise ResourceDPoPProofRefused("Send exactly one DPoP proof.",
                                           metadata={DPOP_CHALLENGE_KEY: ALGS})
        presented = Presentation(scheme=scheme, proof=dpop, method=method, url=url)
        return validator.validate(token, required_scopes.split(), audience or None, presented=presented)
    except OAuthError as err:
        if scheme == DPOP and isinstance(err, InvalidToken | InsufficientScope) \
                and DPOP_CHALLENGE_KEY not in err.metadata:
            # A token presented under the DPoP scheme is answered with the DPoP challenge.
            err.metadata = {**err.metadata, DPOP_CHALLENGE_KEY: ALGS}
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
        http = attributes.request.http
        headers = http.headers  # lower-case names; a repeated header's values joined by ","
        # The scheme Envoy set from the client's connection (module docstring), not :scheme.
        url = request_url(headers.get("x-forwarded-proto") or http.scheme,
                          http.host or headers.get(":authority", ""), http.path)
        result = decide(self._validator, headers.get("authorization"),
                        extensions.get("required_scopes", ""), extensions.get("audience"),
                        dpop=headers.get("dpop"), method=http.method, url=url)
        return denied(result) if isinstance(result, OAuthError) else allowed(result)
