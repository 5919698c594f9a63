"""A FastAPI dependency: `claims: Claims = Depends(require(verifier, "read"))`.

Refusals are HTTPException with the RFC 6750 status and WWW-Authenticate header (401, 403
insufficient_scope, 503 while the revocation state is unknown).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Header, HTTPException

from .asgi import verify_header
from .errors import VerificationError
from .verifier import Claims, Verifier


def require(verifier: Verifier, *scopes: str) -> Callable[..., Claims]:
    def dependency(authorization: str | None = Header(default=None)) -> Claims:
        try:
            return verify_header(verifier, authorization, scopes)
        except VerificationError as exc:
            raise HTTPException(exc.status, detail={"error": exc.error, "error_description":
                                                    exc.description}, headers=exc.headers()) from exc
    return dependency
