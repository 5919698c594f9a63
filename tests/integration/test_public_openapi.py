"""/docs documents the whole public API: the committed merged OpenAPI document equals the
merge of what every running service publishes. UPDATE_OPENAPI=1 rewrites it."""

from __future__ import annotations

import json
import os
import pathlib

import httpx
from authgate_common.public_docs import merge
from authgate_devstack.gateway import SERVICES
from authgate_devstack.stack import Stack
from token_service.entrypoints.http_api import PUBLIC_OPENAPI


def _published(stack: Stack) -> dict:
    docs = [httpx.get(f"http://127.0.0.1:{stack.ports.http[svc][0]}/openapi.service.json").json()
            for svc in SERVICES]
    return merge("authgate", "0.1.0", docs)


def test_committed_public_openapi_is_current(stack: Stack) -> None:
    fresh = _published(stack)
    if os.environ.get("UPDATE_OPENAPI") == "1":
        PUBLIC_OPENAPI.write_text(json.dumps(fresh, indent=1, sort_keys=False) + "\n")
    committed = json.loads(pathlib.Path(PUBLIC_OPENAPI).read_text())
    assert committed == fresh, "public OpenAPI drifted: run UPDATE_OPENAPI=1 make test"
