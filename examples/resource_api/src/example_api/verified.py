"""The same resource API, validating bearer tokens itself with authgate-verifier (issue 18).

Beside the ext_authz pattern (app.py: the gateway asks the token service, the API trusts
the gateway's x-auth-* headers), a resource server can check each token in process: the
verifier holds the issuer's JWKS and the revocations the token service pushes over
`RevocationFeedService` (mutual TLS, `validator` certificate), so a request costs no call and a
revoked session or token is refused within milliseconds. It fails closed: while the
revocation state is unknown, requests get 503.

    from authgate_verifier import VerifierConfig, connect
    verifier = connect(VerifierConfig.from_env(), wait_seconds=10)   # AUTHGATE_VERIFIER_*
    app = create_verified_app(verifier)

Routes and scopes as the gateway sets them for app.py: `read` to list, `write` to
create, `admin` for /admin.

DPoP-bound tokens (RFC 9449) work with no code here: `require` accepts `Authorization:
DPoP <token>` with a `DPoP` proof header for the request (its method, URL and token, used
once) and refuses a bound token sent as `Bearer`, answering with the `DPoP` challenge. The
URL a proof names is the public one: set AUTHGATE_VERIFIER_PUBLIC_URL (e.g.
https://api.example.com) when the API sits behind a proxy or TLS terminator.
"""

from __future__ import annotations

from authgate_verifier import Claims, Verifier
from authgate_verifier.fastapi import require
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse


def _answer(action: str, claims: Claims) -> JSONResponse:
    return JSONResponse({"action": action, "sub": claims.sub, "scope": " ".join(sorted(claims.scopes)),
                         "sid": claims.sid, "client_id": claims.client_id,
                         "cnf_jkt": claims.cnf_jkt},  # as app.py's x-auth-cnf-jkt: "" for a bearer token
                        headers={"Cache-Control": "no-store"})


def create_verified_app(verifier: Verifier) -> FastAPI:
    app = FastAPI(title="authgate example resource API (verifier)", docs_url=None, redoc_url=None,
                  openapi_url=None)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok" if verifier.revocations.healthy else "revocations unavailable"}

    @app.get("/api/v1/example/items")
    def list_items(claims: Claims = Depends(require(verifier, "read"))) -> JSONResponse:
        return _answer("list items", claims)

    @app.post("/api/v1/example/items")
    def create_item(claims: Claims = Depends(require(verifier, "write"))) -> JSONResponse:
        return _answer("create item", claims)

    @app.get("/api/v1/example/admin")
    def admin(claims: Claims = Depends(require(verifier, "admin"))) -> JSONResponse:
        return _answer("admin", claims)

    return app
