"""Swagger UI at /docs for the whole public API, from one merged OpenAPI document.

Each service's app publishes its own document at /openapi.service.json (never routed
by the gateway). The merged document of all four is committed with the service that
serves /docs and kept current by the whole-stack test (UPDATE_OPENAPI=1 rewrites it).
Swagger UI's assets come from the swagger-ui-bundle-v2 package: no third-party origin.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

DOCS_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"}
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} — API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css">
<link rel="icon" href="/docs/static/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>"""
_INIT = ("window.ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui', "
         "deepLinking: true, presets: [SwaggerUIBundle.presets.apis]});")


def merge(title: str, version: str, documents: list[dict[str, Any]]) -> dict[str, Any]:
    """One OpenAPI document from several: paths and component schemas side by side."""
    merged: dict[str, Any] = {"openapi": documents[0]["openapi"] if documents else "3.1.0",
                              "info": {"title": title, "version": version},
                              "paths": {}, "components": {"schemas": {}}}
    for doc in documents:
        for path, item in doc.get("paths", {}).items():
            merged["paths"].setdefault(path, {}).update(item)
        merged["components"]["schemas"].update(doc.get("components", {}).get("schemas", {}))
    merged["paths"] = dict(sorted(merged["paths"].items()))
    merged["components"]["schemas"] = dict(sorted(merged["components"]["schemas"].items()))
    return merged


def mount_public_docs(app: FastAPI, document: pathlib.Path, title: str = "authgate") -> None:
    import swagger_ui_bundle

    assets = pathlib.Path(swagger_ui_bundle.swagger_ui_path)
    headers = {"Content-Security-Policy": DOCS_CSP, "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "no-referrer"}

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document() -> JSONResponse:
        return JSONResponse(json.loads(document.read_text()),
                            headers={"Cache-Control": "public, max-age=300"})

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(_PAGE.format(title=title), headers=headers)

    @app.get("/docs/init.js", include_in_schema=False)
    def swagger_init() -> HTMLResponse:
        return HTMLResponse(_INIT, media_type="application/javascript", headers=headers)

    @app.get("/docs/static/{name}", include_in_schema=False)
    def swagger_asset(name: str) -> FileResponse:
        if name not in _ASSETS:
            raise HTTPException(404, "Not found.")
        return FileResponse(assets / name, headers={"Cache-Control": "public, max-age=86400"})
