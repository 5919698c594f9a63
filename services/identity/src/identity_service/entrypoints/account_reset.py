"""The password reset pages (domain/account/password_reset.py).

GET|POST /api/v1/sso/password-reset: ask for a link; the answer is the same page for
every address, and the mail goes out after it (a background task).
GET|POST /api/v1/sso/password-reset/confirm: the link opens the new-password form; posting
it sets the password, ends every session, and mails the person a note.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from authgate_common.core.errors import InvalidRequest, OAuthError
from authgate_common.http import client_ip
from authgate_common.pages import N_
from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse

from ..domain.account.courier import MailUnavailable
from ..domain.account.tokens import InvalidLink
from .account_forms import (
    LOGIN_PATH,
    PASSWORD_RULES,
    PASSWORDS_DIFFER,
    RESET_CONFIRM_PATH,
    RESET_PATH,
    SESSION_EXPIRED,
    later,
    read_form,
)
from .account_openapi import FORM, LINK_PAGE, form_body, responses

if TYPE_CHECKING:
    from .account_flows import AccountDeps

ENTER_EMAIL = N_("Enter the email address of your account, like name@example.com.")
NEW_LINK = N_("Ask for a new link")
CHANGED_HEADING = N_("Your password was changed")
CHANGED = N_("You can now sign in with your new password. Every device that was signed in has been "
             "signed out.")
CHANGED_KEPT = N_("You can now sign in with your new password. We could not sign out the devices that "
                  "were signed in: sign them out from your account, or ask your administrator.")
SIGN_IN = N_("Sign in")


async def _body(request: Request) -> bytes:
    return await request.body()


Body = Annotated[bytes, Depends(_body)]


def reset_router(deps: AccountDeps) -> APIRouter:
    router = APIRouter(tags=["account"])
    pages = deps.pages

    def request_page(request: Request, locale: str, *, status_code: int = 200, email: str = "",
                     message: str = "", sent: bool = False) -> HTMLResponse:
        return pages.form(request, "reset_request.html", locale, status_code=status_code, action=RESET_PATH,
                          login_url=LOGIN_PATH, sent=sent, valid_minutes=deps.reset_minutes,
                          email=email[:254],
                          message=pages.t(locale, message) if message else "", invalid=bool(message))

    @router.get(RESET_PATH, response_class=HTMLResponse, summary="Ask for a password reset link",
                responses=responses(200, 404, 503))
    def reset_request_page(request: Request) -> HTMLResponse:
        locale = pages.locale(request)
        if not deps.mail_ready:
            return pages.refusal(locale, MailUnavailable())
        return request_page(request, locale)

    @router.post(RESET_PATH, response_class=HTMLResponse, summary="Mail a password reset link",
                 responses=responses(200, 400, 404, 415, 429, 503),
                 openapi_extra=form_body(["email"], email="the account's email address"))
    def reset_request(request: Request, body: Body, background: BackgroundTasks) -> HTMLResponse:
        form = read_form(request, body)
        locale, email = pages.locale(request, form), form.get("email", "")
        if not deps.mail_ready:
            return pages.refusal(locale, MailUnavailable())
        if not pages.csrf_ok(request, form):
            return request_page(request, locale, status_code=400, email=email, message=SESSION_EXPIRED)
        try:
            mail = deps.request_reset.accept(email, client_ip(request))
        except InvalidRequest:
            return request_page(request, locale, status_code=400, email=email, message=ENTER_EMAIL)
        except OAuthError as err:
            return pages.refusal(locale, err)
        if mail:
            later(background, deps.request_reset.deliver, email, client_ip(request), locale)
        return request_page(request, locale, sent=True)

    def new_password_page(request: Request, locale: str, token: str, username: str, *,
                          status_code: int = 200, message: str = "") -> HTMLResponse:
        return pages.form(request, "reset_form.html", locale, status_code=status_code,
                          action=RESET_CONFIRM_PATH, token=token, username=username,
                          min_length=deps.min_password_length,
                          message=pages.t(locale, message, min=deps.min_password_length) if message else "",
                          invalid=bool(message))

    @router.get(RESET_CONFIRM_PATH, response_class=HTMLResponse, summary="The form a reset link opens",
                responses=LINK_PAGE)
    def reset_form(request: Request, token: str = "") -> HTMLResponse:
        locale = pages.locale(request)
        try:
            user = deps.reset_password.check(token)
        except OAuthError as err:
            return pages.refusal(locale, err, RESET_PATH, NEW_LINK)
        return new_password_page(request, locale, token, user.username)

    @router.post(RESET_CONFIRM_PATH, response_class=HTMLResponse, summary="Set the password by a reset link",
                 responses=FORM, openapi_extra=form_body(
                     ["token", "new_password", "new_password_again"], token="the link's token",
                     new_password="the new password", new_password_again="the same again"))
    def reset_confirm(request: Request, body: Body, background: BackgroundTasks) -> HTMLResponse:
        form = read_form(request, body)
        locale, token = pages.locale(request, form), form.get("token", "")
        password = form.get("new_password", "")
        try:
            user = deps.reset_password.check(token)
        except OAuthError as err:
            return pages.refusal(locale, err, RESET_PATH, NEW_LINK)
        if not pages.csrf_ok(request, form):
            return new_password_page(request, locale, token, user.username, status_code=400,
                                     message=SESSION_EXPIRED)
        if password != form.get("new_password_again", ""):
            return new_password_page(request, locale, token, user.username, status_code=400,
                                     message=PASSWORDS_DIFFER)
        try:
            done = deps.reset_password(token, password, client_ip(request))
        except InvalidLink as err:
            return pages.refusal(locale, err, RESET_PATH, NEW_LINK)
        except InvalidRequest:
            return new_password_page(request, locale, token, user.username, status_code=400,
                                     message=PASSWORD_RULES)
        except OAuthError as err:
            return pages.refusal(locale, err)
        later(background, deps.password_changed.deliver, done.user, locale)
        return pages.notice(locale, CHANGED_HEADING, CHANGED if done.sessions_ended else CHANGED_KEPT,
                            link_url=LOGIN_PATH, link_text=SIGN_IN)

    return router
