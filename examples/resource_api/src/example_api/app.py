"""The example resource API: what an upstream behind authgate's gateway looks like.

It checks no token itself. Envoy's ext_authz filter asks the token service first (per
route: `read` for GET items, `write` for POST items, `admin` for /admin), answers
401/403/503 on its own, strips any x-auth-* header a client sent, and forwards the
verified identity as x-auth-sub, x-auth-scope, x-auth-sid, x-auth-client-id, x-auth-acr,
x-auth-amr and, for a DPoP-bound token, x-auth-cnf-jkt. The
API trusts those headers because only the gateway can reach it: the server speaks
mutual TLS and closes any connection whose client certificate is not the gateway's
(gateway_only, wired in __main__). A request without x-auth-sub is refused as well.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

AUTH_HEADERS = {"sub": "x-auth-sub", "scope": "x-auth-scope", "sid": "x-auth-sid",
                "client_id": "x-auth-client-id", "acr": "x-auth-acr", "amr": "x-auth-amr",
                # A DPoP-bound token's key (RFC 9449; its proof was checked); "" for a bearer token.
                "cnf_jkt": "x-auth-cnf-jkt"}


def identity(request: Request) -> dict[str, str]:
    return {name: request.headers.get(header, "") for name, header in AUTH_HEADERS.items()}


def _answer(request: Request, action: str) -> JSONResponse:
    who = identity(request)
    if not who["sub"]:
        return JSONResponse({"error": "invalid_token", "error_description": "Not authenticated."},
                            status_code=401, headers={"WWW-Authenticate": 'Bearer realm="authgate"'})
    return JSONResponse({"action": action, **who}, headers={"Cache-Control": "no-store"})


def create_app() -> FastAPI:
    app = FastAPI(title="authgate example resource API", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/example/items")
    def list_items(request: Request) -> JSONResponse:
        return _answer(request, "list items")

    @app.post("/api/v1/example/items")
    def create_item(request: Request) -> JSONResponse:
        return _answer(request, "create item")

    @app.get("/api/v1/example/admin")
    def admin(request: Request) -> JSONResponse:
        return _answer(request, "admin")

    return app
