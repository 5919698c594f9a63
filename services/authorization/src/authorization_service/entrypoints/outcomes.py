"""Turning an outcome of the core into an HTTP response: a redirect, the error page or
the consent page (in `locale`). Redirects are never cached (RFC 6749 §4.1.2 codes ride in them)."""

from __future__ import annotations

from authgate_common.http import NO_STORE
from authgate_common.pages import Pages
from fastapi.responses import Response

from ..domain.authorize.context import ConsentPrompt, Outcome, Redirect
from .consent_page import render_consent
from .error_page import render_error_page


def respond(outcome: Outcome, pages: Pages, locale: str, redirect_status: int = 302) -> Response:
    if isinstance(outcome, Redirect):
        return Response(status_code=redirect_status, headers={**NO_STORE, "Location": outcome.location})
    if isinstance(outcome, ConsentPrompt):
        return render_consent(pages, locale, outcome)
    return render_error_page(pages, locale, outcome)
