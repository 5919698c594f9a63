"""OpenAPI pieces the public apps share, so /docs says what the routes really answer
(and tests/integration/test_schemathesis.py can hold them to it).

`error()` documents an RFC 6749 §5.2 / RFC 6750 §3 JSON error, `page()` an HTML page.
`validation_as_400` corrects FastAPI's own entry for a malformed parameter: it documents
422 with its validation body, but `create_app` answers 400 `invalid_request`.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string", "description": "the RFC error code"},
                   "error_description": {"type": "string"}},
}
JSON_ERROR = {"application/json": {"schema": ERROR_SCHEMA}}
HTML = {"text/html": {"schema": {"type": "string"}}}
INVALID_REQUEST = "invalid_request: a missing or malformed parameter"


def error(description: str) -> dict[str, Any]:
    return {"description": description, "content": JSON_ERROR}


def page(description: str) -> dict[str, Any]:
    return {"description": description, "content": HTML}


def validation_as_400(document: dict[str, Any]) -> dict[str, Any]:
    """Each 422 becomes the 400 JSON error create_app sends (merged into a documented 400)."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is None:
                continue
            bad = responses.setdefault("400", {"description": INVALID_REQUEST})
            bad["content"] = {**bad.get("content", {}), **JSON_ERROR}  # a new dict: never a shared one
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    if "components" in document and not schemas:
        document["components"].pop("schemas", None)
        if not document["components"]:
            del document["components"]
    return document
