"""Self-registration and email verification pages (domain/account/registration.py,
domain/account/email_verification.py).

GET|POST /api/v1/sso/register: 404 unless SELF_REGISTRATION_ENABLED. The answer ("check
your mail") is the same whether the address is new or registered already.
GET|POST /api/v1/sso/verify-email: the link opens a page whose button confirms.
POST /api/v1/sso/verify-email/send: a signed-in user asks for a new link.
"""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING

from authgate_common.core.errors import NotFound, OAuthError
from authgate_common.core.return_to import safe_return_to
from authgate_common.http import client_ip
from authgate_common.pages import N_
from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse

from ..domain.account.courier import MailUnavailable
from ..domain.account.registration import FieldRejected, Register, UsernameTaken
from ..domain.create_user import NewUser
from .account_forms import (
    ACCOUNT_PATH,
    EMAIL_PATH,
    LOGIN_PATH,
    PASSWORD_RULES,
    REGISTER_PATH,
    SESSION_EXPIRED,
    VERIFY_PATH,
    VERIFY_SEND_PATH,
    later,
    read_form,
)
from .account_openapi import FORM, LINK_PAGE, form_body, responses
from .account_reset import Body
from .account_session import AccountSession

if TYPE_CHECKING:
    from .account_flows import AccountDeps

FIELD_MESSAGES = {
    "username": N_("Choose a username of at most 150 characters, without spaces at either end."),
    "email": N_("Enter a valid email address, like name@example.com."),
    "password": PASSWORD_RULES,
}
TAKEN = N_("That username is taken; please choose another.")
PASSWORDS_DIFFER = N_("The two passwords differ.")
REGISTERED_HEADING = N_("Check your mail")
REGISTERED = N_("We have sent a link to %(email)s to confirm the address. You can sign in now.")
SIGN_IN = N_("Sign in")
VERIFIED_HEADING = N_("Email address confirmed")
VERIFIED = N_("Thank you: %(email)s is confirmed.")
TO_ACCOUNT = N_("Go to your account")
SENT_HEADING = N_("Check your mail")
SENT = N_("We have sent a confirmation link to %(email)s.")
BACK = N_("Back to your account")


def registration_router(deps: AccountDeps) -> APIRouter:
    router = APIRouter(tags=["account"])
    pages = deps.pages

    def enabled() -> Register:
        if deps.register is None:
            raise NotFound()
        return deps.register

    def login_url(return_to: str) -> str:
        return f"{LOGIN_PATH}?{urllib.parse.urlencode({'return_to': return_to})}" if return_to else LOGIN_PATH

    def register_page(request: Request, locale: str, form: dict[str, str], *, status_code: int = 200,
                      message: str = "", field: str = "") -> HTMLResponse:
        return_to = safe_return_to(form.get("return_to", "")) if form.get("return_to") else ""
        return pages.form(request, "register.html", locale, status_code=status_code, action=REGISTER_PATH,
                          login_url=login_url(return_to), return_to=return_to,
                          username=form.get("username", "")[:150], email=form.get("email", "")[:254],
                          min_length=deps.min_password_length,
                          message=pages.t(locale, message, min=deps.min_password_length) if message else "",
                          invalid_field=field)

    @router.get(REGISTER_PATH, response_class=HTMLResponse, summary="The self-registration form",
                responses=responses(200, 404, 503))
    def register_form(request: Request, return_to: str = "") -> HTMLResponse:
        enabled()
        locale = pages.locale(request)
        if not deps.mail_ready:
            return pages.refusal(locale, MailUnavailable())
        return register_page(request, locale, {"return_to": return_to})

    @router.post(REGISTER_PATH, response_class=HTMLResponse, summary="Create an account",
                 responses=responses(200, 400, 404, 409, 415, 429, 503), openapi_extra=form_body(
                     ["username", "email", "password", "password_again"], username="the username",
                     email="the email address", password="the password", password_again="the same again",
                     return_to="where the login page goes afterwards (a same-origin path)"))
    def register(request: Request, body: Body, background: BackgroundTasks) -> HTMLResponse:
        use_case = enabled()
        form = read_form(request, body)
        locale = pages.locale(request, form)
        if not pages.csrf_ok(request, form):
            return register_page(request, locale, form, status_code=400, message=SESSION_EXPIRED)
        if form.get("password", "") != form.get("password_again", ""):
            return register_page(request, locale, form, status_code=400, message=PASSWORDS_DIFFER,
                                 field="password")
        new = NewUser(username=form.get("username", ""), email=form.get("email", "").strip(),
                      password=form.get("password", ""))
        try:
            registration = use_case(new, client_ip(request))
        except FieldRejected as err:
            return register_page(request, locale, form, status_code=400, message=FIELD_MESSAGES[err.field],
                                 field=err.field)
        except UsernameTaken:
            return register_page(request, locale, form, status_code=409, message=TAKEN, field="username")
        except OAuthError as err:
            return pages.refusal(locale, err)
        later(background, use_case.deliver, registration, client_ip(request), locale)
        return_to = safe_return_to(form.get("return_to", "")) if form.get("return_to") else ""
        return pages.notice(locale, REGISTERED_HEADING, REGISTERED, email=new.email,
                            link_url=login_url(return_to), link_text=SIGN_IN)

    @router.get(VERIFY_PATH, response_class=HTMLResponse, summary="The page a verification link opens",
                responses=LINK_PAGE)
    def verify_page(request: Request, token: str = "") -> HTMLResponse:
        locale = pages.locale(request)
        try:
            deps.verify_email.check(token)
        except OAuthError as err:
            return pages.refusal(locale, err, EMAIL_PATH, N_("Ask for a new link"))
        return pages.form(request, "verify_email.html", locale, action=VERIFY_PATH, token=token)

    @router.post(VERIFY_PATH, response_class=HTMLResponse, summary="Confirm an email address",
                 responses=FORM, openapi_extra=form_body(["token"], token="the link's token"))
    def verify(request: Request, body: Body) -> HTMLResponse:
        form = read_form(request, body)
        locale, token = pages.locale(request, form), form.get("token", "")
        if not pages.csrf_ok(request, form):
            return pages.form(request, "verify_email.html", locale, status_code=400, action=VERIFY_PATH,
                              token=token)
        try:
            user = deps.verify_email(token, client_ip(request))
        except OAuthError as err:
            return pages.refusal(locale, err, EMAIL_PATH, N_("Ask for a new link"))
        return pages.notice(locale, VERIFIED_HEADING, VERIFIED, email=user.email, link_url=ACCOUNT_PATH,
                            link_text=TO_ACCOUNT)

    @router.post(VERIFY_SEND_PATH, response_class=HTMLResponse, summary="Mail a new verification link",
                 responses=responses(200, 303, 400, 404, 415, 429, 503), openapi_extra=form_body([]))
    def send_link(request: Request, body: Body, background: BackgroundTasks,
                  me: AccountSession = Depends(deps.sessions.required)) -> HTMLResponse:
        form = read_form(request, body)
        locale = pages.locale(request, form)
        user = deps.directory.get(me.user_id)
        if not pages.csrf_ok(request, form):
            return pages.notice(locale, N_("Please try again"), SESSION_EXPIRED, status_code=400, alert=True,
                                link_url=EMAIL_PATH, link_text=BACK)
        try:
            deps.send_verification.accept(me.user_id, client_ip(request))
        except OAuthError as err:
            return pages.refusal(locale, err)
        later(background, deps.send_verification.deliver, me.user_id, client_ip(request), locale)
        return pages.notice(locale, SENT_HEADING, SENT, email=user.email, link_url=EMAIL_PATH, link_text=BACK)

    return router
