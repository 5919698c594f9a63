"""A FastAPI dependency: `claims: Claims = Depends(require(verifier, "read"))`, or with a
class of sign-in, `require(verifier, "read", acr=ACR_MFA)`.

Refusals are HTTPException with the RFC 6750 status and WWW-Authenticate header (401, 403
insufficient_scope, 401 insufficient_user_authentication with `acr_values` (RFC 9470 §3),
503 while the revocation state is unknown).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Header, HTTPException

from .acr import reaches
from .asgi import verify_header
from .errors import VerificationError
from .verifier import Claims, Verifier


def require(verifier: Verifier, *scopes: str, acr: str | None = None) -> Callable[..., Claims]:
    if acr is not None:
        reaches(acr, acr)  # an unknown class is the programmer's mistake: refuse it now
    def dependency(authorization: str | None = Header(default=None)) -> Claims:
        try:
            return verify_header(verifier, authorization, scopes, acr)
        except VerificationError as exc:
            raise HTTPException(exc.status, detail={"error": exc.error, "error_description":
                                                    exc.description}, headers=exc.headers()) from exc
    return dependency
