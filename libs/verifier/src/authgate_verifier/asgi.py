"""Plain ASGI middleware: every HTTP request needs a valid access token, as a bearer token
(`Authorization: Bearer`, RFC 6750) or, DPoP-bound, with a proof (`Authorization: DPoP`
and a `DPoP` header, RFC 9449 §7.1).

The claims go to `scope["state"]["claims"]` (Starlette's `request.state.claims`). Refusals
answer 401 (with `WWW-Authenticate: Bearer error="invalid_token"`, or a bare `Bearer` when
no token was sent), 403 `insufficient_scope`, 401 `insufficient_user_authentication` when
`required_acr` is given and the sign-in is weaker (RFC 9470 §3), 503 when the revocation
state is unknown. Under the DPoP scheme, and for a DPoP-bound token sent as Bearer, the
challenge is `DPoP algs="...", error="invalid_token"|"invalid_dpop_proof"|...`.

A proof names the URL the client addressed (`htu`); `request_url` rebuilds it from the
verifier's `public_base_url` (set it behind a proxy, TLS terminator or path rewrite) and
the request's raw path, or, without one, from the request's scheme and Host header.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, MutableMapping
from typing import Any

from .acr import reaches
from .dpop import ALGS, DPoPRequest
from .errors import InvalidDPoPProof, MissingToken, VerificationError
from .verifier import Claims, Verifier

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def presented(authorization: str | None) -> tuple[str, str]:
    """The scheme ("Bearer" or "DPoP") and token of an Authorization header (RFC 6750 §2.1,
    RFC 9449 §7.1; the scheme is case-insensitive), or MissingToken."""
    if not authorization:
        raise MissingToken()
    scheme, _, token = authorization.partition(" ")
    canonical = {"bearer": "Bearer", "dpop": "DPoP"}.get(scheme.lower())
    if canonical is None or not token.strip():
        raise MissingToken()
    return canonical, token.strip()


def bearer(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer` header (RFC 6750 §2.1), or MissingToken."""
    scheme, token = presented(authorization)
    if scheme != "Bearer":
        raise MissingToken()
    return token


def verify_header(verifier: Verifier, authorization: str | None, scopes: Collection[str] = (),
                  acr: str | None = None) -> Claims:
    """A Bearer token only (no request to check a DPoP proof against): see verify_request."""
    return verifier.verify(bearer(authorization), scopes, acr)


def _headers(scope: Mapping[str, Any], name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == name]


def request_url(scope: Mapping[str, Any], public_base_url: str | None = None) -> str:
    """The request's absolute URL without query, as the client addressed it (a proof's
    `htu`): `public_base_url` + the raw path when configured, else the scope's scheme and
    the Host header (or the server address)."""
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else urllib.parse.quote(scope.get("path") or "/")
    path = path.partition("?")[0] or "/"
    if public_base_url:
        return public_base_url.rstrip("/") + path
    scheme = scope.get("scheme") or "http"
    hosts = _headers(scope, b"host")
    if hosts:
        return f"{scheme}://{hosts[0]}{path}"
    host, port = scope.get("server") or ("localhost", None)
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}{path}" if port in (None, default) else f"{scheme}://{host}:{port}{path}"


def verify_request(verifier: Verifier, scope: Mapping[str, Any], scopes: Collection[str] = (),
                   acr: str | None = None) -> Claims:
    """The claims of an ASGI HTTP request's access token: Bearer, or DPoP with its proof."""
    authorizations = _headers(scope, b"authorization")
    scheme, token = presented(authorizations[0] if authorizations else None)
    if scheme == "Bearer":
        return verifier.verify(token, scopes, acr)
    proofs = _headers(scope, b"dpop")
    if len(proofs) > 1:  # RFC 9449 §4.3 (1): one DPoP header
        raise InvalidDPoPProof("The request carries more than one DPoP proof.").under_dpop(ALGS)
    request = DPoPRequest(proofs[0] if proofs else None, str(scope.get("method", "")),
                          request_url(scope, verifier.public_base_url))
    return verifier.verify(token, scopes, acr, dpop=request)


def problem(exc: VerificationError) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body: dict[str, str] = {"error": exc.error, "error_description": exc.description}
    if isinstance(exc, MissingToken):
        body = {"error": "invalid_request", "error_description": exc.description}
    headers = [(k.lower().encode(), v.encode()) for k, v in exc.headers().items()]
    headers += [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
    return exc.status, headers, json.dumps(body).encode()


class BearerMiddleware:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], verifier: Verifier,
                 required_scopes: Iterable[str] = (), exempt_paths: Iterable[str] = (),
                 required_acr: str | None = None) -> None:
        if required_acr is not None:
            reaches(required_acr, required_acr)  # an unknown class: refused now, not per request
        self._app = app
        self._verifier = verifier
        self._scopes = tuple(required_scopes)
        self._acr = required_acr
        self._exempt = tuple(exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(self._exempt or ("\0",)):
            await self._app(scope, receive, send)
            return
        try:
            claims = verify_request(self._verifier, scope, self._scopes, self._acr)
        except VerificationError as exc:
            status, headers, body = problem(exc)
            await send({"type": "http.response.start", "status": status,
                        "headers": headers + [(b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        scope.setdefault("state", {})["claims"] = claims
        await self._app(scope, receive, send)
