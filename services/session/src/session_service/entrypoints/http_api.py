"""Public HTTP app of the session service (through the gateway).

For now it answers only /healthz, so the gateway has an upstream. Next come the
public routes: POST /api/v1/logout (global logout of the user behind the cookie or
bearer token) and GET /api/v1/sessions, DELETE /api/v1/sessions/{sid} (the caller's
sessions and revoking one), thin shells over the same use cases the gRPC API uses.
"""

from __future__ import annotations

from authgate_common.http import create_app
from fastapi import FastAPI


def create_http_app(max_body_bytes: int) -> FastAPI:
    return create_app("authgate session", max_body_bytes=max_body_bytes)
