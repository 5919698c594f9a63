"""A FastAPI dependency: `claims: Claims = Depends(require(verifier, "read"))`, or with a
class of sign-in, `require(verifier, "read", acr=ACR_MFA)`.

The token comes as `Authorization: Bearer <token>` or, DPoP-bound, as `Authorization: DPoP
<token>` with a `DPoP` proof header for this request (RFC 9449 §7.1; the URL as
asgi.request_url finds it). Refusals are HTTPException with the RFC 6750 status and
WWW-Authenticate header (401, 403 insufficient_scope, 401 insufficient_user_authentication
with `acr_values` (RFC 9470 §3), 503 while the revocation state is unknown); under DPoP
the challenge is `DPoP algs="...", error=...` (401 invalid_token or invalid_dpop_proof).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Header, HTTPException, Request

from .acr import reaches
from .asgi import verify_request
from .errors import VerificationError
from .verifier import Claims, Verifier


def require(verifier: Verifier, *scopes: str, acr: str | None = None) -> Callable[..., Claims]:
    if acr is not None:
        reaches(acr, acr)  # an unknown class is the programmer's mistake: refuse it now
    # `authorization` and `dpop` are declared so that OpenAPI shows them; the values are
    # read from the request itself (every DPoP header, the URL).
    def dependency(request: Request, authorization: str | None = Header(default=None),
                   dpop: str | None = Header(default=None)) -> Claims:
        try:
            return verify_request(verifier, request.scope, scopes, acr)
        except VerificationError as exc:
            raise HTTPException(exc.status, detail={"error": exc.error, "error_description":
                                                    exc.description}, headers=exc.headers()) from exc
    return dependency
