"""Plain ASGI middleware: every HTTP request needs a valid bearer token (RFC 6750).

The claims go to `scope["state"]["claims"]` (Starlette's `request.state.claims`). Refusals
answer 401 (with `WWW-Authenticate: Bearer error="invalid_token"`, or a bare `Bearer` when
no token was sent), 403 `insufficient_scope`, 401 `insufficient_user_authentication` when
`required_acr` is given and the sign-in is weaker (RFC 9470 §3), 503 when the revocation
state is unknown.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection, Iterable, MutableMapping
from typing import Any

from .acr import reaches
from .errors import MissingToken, VerificationError
from .verifier import Claims, Verifier

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def bearer(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer` header (RFC 6750 §2.1), or MissingToken."""
    if not authorization:
        raise MissingToken()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MissingToken()
    return token.strip()


def verify_header(verifier: Verifier, authorization: str | None, scopes: Collection[str] = (),
                  acr: str | None = None) -> Claims:
    return verifier.verify(bearer(authorization), scopes, acr)


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
        authorization = next((v.decode("latin-1") for k, v in scope.get("headers", [])
                              if k == b"authorization"), None)
        try:
            claims = verify_header(self._verifier, authorization, self._scopes, self._acr)
        except VerificationError as exc:
            status, headers, body = problem(exc)
            await send({"type": "http.response.start", "status": status,
                        "headers": headers + [(b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        scope.setdefault("state", {})["claims"] = claims
        await self._app(scope, receive, send)
