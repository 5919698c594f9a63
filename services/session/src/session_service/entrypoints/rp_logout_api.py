"""GET|POST /api/v1/oauth/logout: the end-session endpoint (OIDC RP-Initiated Logout 1.0
§2; POST takes the same parameters form-encoded). A thin shell over domain/rp_logout.py:
a signed-out answer clears the cookie and 303s to the verified post-logout URI (or shows
the signed-out page); a refused request gets an HTML error page, never a redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from authgate_common.core.errors import InvalidRequest, OAuthError
from authgate_common.core.forms import FORM_TYPE, parse_form
from authgate_common.http import NO_STORE
from authgate_common.pages import Pages
from fastapi import FastAPI, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..domain.rp_logout import Confirm, LogoutRequest, RpLogout
from .pages import request_locale
from .rp_logout_pages import END_SESSION_PATH, render_confirm, render_refused, render_signed_out

FIELDS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state", "csrf_token")
_PAGES = {
    200: {"content": {"text/html": {}}, "description": "Confirmation or signed-out page"},
    303: {"description": "Signed out: to the registered post_logout_redirect_uri, with state"},
    400: {"content": {"text/html": {}}, "description": "Refused request (HTML): never a redirect"},
}


def _request_of(pairs: list[tuple[str, str]]) -> LogoutRequest:
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in FIELDS:
            if name in values:
                raise InvalidRequest(f"The parameter {name} was sent more than once.")
            values[name] = value
    return LogoutRequest(**values)


def _form_pairs(content_type: str | None, body: bytes) -> list[tuple[str, str]]:
    """The posted parameters; an empty body needs no content type (the confirmation form's
    GET fallback posts nothing)."""
    return list(parse_form(content_type, body).items()) if body else []


def register_rp_logout(
    app: FastAPI, endpoint: RpLogout, cookie_name: str, clear_cookie: Callable[[Response], None],
    pages: Pages,
) -> None:
    def answer(request: Request, pairs: list[tuple[str, str]], cookie: str | None) -> Response:
        locale = request_locale(pages, request, pairs)
        try:
            outcome = endpoint.handle(_request_of(pairs), cookie)
        except OAuthError as err:
            return render_refused(pages, locale, err.error, err.description, err.status_code)
        if isinstance(outcome, Confirm):
            return render_confirm(pages, locale, outcome)
        response: Response = (
            RedirectResponse(outcome.redirect_to, status_code=303, headers=NO_STORE)
            if outcome.redirect_to
            else render_signed_out(pages, locale)
        )
        clear_cookie(response)
        return response

    @app.get(
        END_SESSION_PATH,
        response_class=HTMLResponse,
        responses=_PAGES,  # type: ignore[arg-type]
        summary="End-session endpoint (OIDC RP-Initiated Logout 1.0)",
    )
    def end_session_get(
        request: Request,
        id_token_hint: Annotated[
            str | None, Query(description="An ID token we issued (may be expired)")
        ] = None,
        client_id: Annotated[str | None, Query()] = None,
        post_logout_redirect_uri: Annotated[
            str | None, Query(description="Exactly one registered for the client")
        ] = None,
        state: Annotated[str | None, Query(description="Echoed on the redirect")] = None,
    ) -> Response:
        return answer(request, list(request.query_params.multi_items()), request.cookies.get(cookie_name))

    @app.post(
        END_SESSION_PATH,
        response_class=HTMLResponse,
        responses=_PAGES,  # type: ignore[arg-type]
        summary="End-session endpoint, form post (also the confirmation form)",
        openapi_extra={
            "requestBody": {
                "content": {
                    FORM_TYPE: {
                        "schema": {
                            "type": "object",
                            "properties": {name: {"type": "string"} for name in FIELDS},
                        }
                    }
                }
            }
        },
    )
    async def end_session_post(request: Request) -> Response:
        body = await request.body()
        cookie = request.cookies.get(cookie_name)
        try:
            pairs = _form_pairs(request.headers.get("content-type"), body)
        except OAuthError as err:
            return render_refused(pages, request_locale(pages, request), err.error, err.description,
                                  err.status_code)
        return await run_in_threadpool(answer, request, pairs, cookie)
