"""Turning an outcome of the core into an HTTP response: a redirect, the error page, the
consent page or a form post response (in `locale`). Redirects are never cached (RFC 6749
§4.1.2 codes ride in them)."""

from __future__ import annotations

from authgate_common.http import NO_STORE
from authgate_common.pages import Pages
from fastapi.responses import Response

from ..domain.authorize.context import ConsentPrompt, FormPost, Outcome, Redirect
from .consent_page import render_consent
from .error_page import render_error_page
from .form_post_page import render_form_post


def respond(outcome: Outcome, pages: Pages, locale: str, redirect_status: int = 302) -> Response:
    if isinstance(outcome, Redirect):
        return Response(status_code=redirect_status, headers={**NO_STORE, "Location": outcome.location})
    if isinstance(outcome, FormPost):
        return render_form_post(pages, locale, outcome)
    if isinstance(outcome, ConsentPrompt):
        return render_consent(pages, locale, outcome)
    return render_error_page(pages, locale, outcome)
