"""OpenAPI description of the account pages (for /docs, and so the fuzzing in
tests/integration/test_schemathesis.py holds them to what they answer): their form bodies,
which the routes read themselves, and their answers — pages, and the RFC 6749 §5.2 JSON
error where the form itself cannot be read."""

from __future__ import annotations

from typing import Any

from authgate_common.openapi import HTML, JSON_ERROR, error, page

_RESPONSES: dict[int, dict[str, Any]] = {
    200: page("the page"),
    303: {"description": "not signed in: to the login page, which comes back here"},
    400: {"description": "the form's CSRF token did not match, a field breaks a rule (the page again, "
                         "saying which), or a dead link; invalid_request for a body that is no form",
          "content": {**HTML, **JSON_ERROR}},
    403: page("access_denied: this account cannot do that"),
    404: {"description": "not_found: the feature is off: self-registration (SELF_REGISTRATION_ENABLED) "
                         "or, for the pages that mail, email (no SMTP_HOST)",
          "content": {**HTML, **JSON_ERROR}},
    409: page("the username is taken"),
    415: error("invalid_request: not application/x-www-form-urlencoded"),
    429: page("too many mails asked for from this address"),
    503: {"description": "temporarily_unavailable: a store or service that cannot answer",
          "content": {**HTML, **JSON_ERROR}},
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: _RESPONSES[code] for code in codes}


def form_body(required: list[str], **properties: str) -> dict[str, Any]:
    """`openapi_extra` for a form the route parses itself; every field a string, described."""
    fields = {"csrf_token": "the page's hidden field", "ui_locales": "the page's language (hidden)",
              **properties}
    schema = {"type": "object", "required": ["csrf_token", *required],
              "properties": {name: {"type": "string", "description": text} for name, text in fields.items()}}
    return {"requestBody": {"required": True,
                            "content": {"application/x-www-form-urlencoded": {"schema": schema}}}}


LINK_PAGE = responses(200, 400, 503)
FORM = responses(200, 400, 415, 503)
SIGNED_IN_PAGE = responses(200, 303, 503)
