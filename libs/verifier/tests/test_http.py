"""The ASGI middleware and the FastAPI dependency: RFC 6750 answers."""

from __future__ import annotations

from authgate_verifier import Claims, Verifier
from authgate_verifier.asgi import BearerMiddleware
from authgate_verifier.fastapi import require
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from verifier_fakes import Issuer


def _app(verifier: Verifier) -> FastAPI:
    app = FastAPI()

    @app.get("/items")
    def items(claims: Claims = Depends(require(verifier, "read"))) -> dict:
        return {"sub": claims.sub}

    @app.get("/admin")
    def admin(claims: Claims = Depends(require(verifier, "admin"))) -> dict:
        return {}

    return app


def test_the_dependency_answers_rfc6750(verifier: Verifier, issuer: Issuer) -> None:
    client = TestClient(_app(verifier))
    token = issuer.token()
    ok = client.get("/items", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json() == {"sub": "user-1"}
    missing = client.get("/items")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    bad = client.get("/items", headers={"Authorization": "Bearer x.y.z"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    scope = client.get("/admin", headers={"Authorization": f"Bearer {token}"})
    assert scope.status_code == 403 and 'error="insufficient_scope"' in scope.headers["www-authenticate"]
    verifier.revocations.lost()
    down = client.get("/items", headers={"Authorization": f"Bearer {token}"})
    assert down.status_code == 503 and down.headers["retry-after"] == "1"


def test_the_middleware_guards_every_path_but_the_exempt(verifier: Verifier, issuer: Issuer) -> None:
    app = FastAPI()

    @app.get("/whoami")
    def whoami(request: Request) -> dict:
        return {"sub": request.state.claims.sub}

    @app.get("/health")
    def health() -> dict:
        return {"ok": True}

    client = TestClient(BearerMiddleware(app, verifier, required_scopes=["read"], exempt_paths=["/health"]))
    assert client.get("/health").status_code == 200
    assert client.get("/whoami", headers={"Authorization": f"Bearer {issuer.token()}"}).json() == {
        "sub": "user-1"}
    refused = client.get("/whoami", headers={"Authorization": f"Bearer {issuer.token(scope='openid')}"})
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"
    none = client.get("/whoami", headers={"Authorization": f"Bearer {issuer.unsigned()}"})
    assert none.status_code == 401 and none.json()["error"] == "invalid_token"
    assert "cache-control" in none.headers
