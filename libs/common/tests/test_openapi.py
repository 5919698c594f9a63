"""What an app's OpenAPI document says a malformed parameter gets is what it gets: 400
invalid_request (RFC 6749 §5.2 JSON), never FastAPI's 422 validation body."""

from __future__ import annotations

from typing import Annotated, Literal

import jsonschema
from authgate_common.http import create_app
from authgate_common.openapi import HTML, error
from fastapi import Query
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient


def _app():
    app = create_app("t")

    @app.get("/items/{n}")
    def item(n: int, scope: Annotated[Literal["all", "current"], Query()] = "all") -> dict:
        return {"n": n, "scope": scope}

    @app.get("/page", response_class=HTMLResponse,
             responses={400: {"description": "refused", "content": HTML}})
    def page(size: int = 1) -> str:
        return "<p>ok</p>"

    @app.get("/plain", responses={401: error("no token")})
    def plain() -> dict:
        return {}

    return app


def test_a_malformed_parameter_is_documented_as_the_400_it_gets() -> None:
    app = _app()
    document = app.openapi()
    responses = document["paths"]["/items/{n}"]["get"]["responses"]
    assert "422" not in responses
    schema = responses["400"]["content"]["application/json"]["schema"]
    resp = TestClient(app).get("/items/x", params={"scope": "everything"})
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"
    jsonschema.validate(resp.json(), schema)
    assert "HTTPValidationError" not in document.get("components", {}).get("schemas", {})


def test_a_documented_400_page_also_lists_the_json_error() -> None:
    document = _app().openapi()
    content = document["paths"]["/page"]["get"]["responses"]["400"]["content"]
    assert set(content) == {"text/html", "application/json"}
    assert set(HTML) == {"text/html"}  # the shared piece the route named is left as it was
    assert document["paths"]["/plain"]["get"]["responses"]["401"]["content"]["application/json"]


def test_the_document_is_corrected_once_and_stays_so() -> None:
    app = _app()
    assert app.openapi() is app.openapi()
    assert "422" not in app.openapi()["paths"]["/items/{n}"]["get"]["responses"]
