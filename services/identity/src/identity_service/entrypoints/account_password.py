"""The signed-in account's password and email pages (domain/account/change_password.py).

GET|POST /api/v1/sso/account/password: change the password (the current one required);
"Sign out my other devices" ends every session but this one.
GET /api/v1/sso/account/email: the address, whether it is confirmed, a button for a link.
Both need a live SSO session (entrypoints/account_session.py): else the login page first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authgate_common.core.errors import InvalidRequest, OAuthError
from authgate_common.http import client_ip
from authgate_common.pages import N_
from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse

from ..domain.account.change_password import PasswordChange, WrongCurrentPassword
from .account_forms import (
    ACCOUNT_PATH,
    EMAIL_PATH,
    PASSWORD_PATH,
    PASSWORD_RULES,
    PASSWORDS_DIFFER,
    SESSION_EXPIRED,
    VERIFY_SEND_PATH,
    later,
    read_form,
)
from .account_openapi import SIGNED_IN_PAGE, form_body, responses
from .account_reset import Body
from .account_session import AccountSession

if TYPE_CHECKING:
    from .account_flows import AccountDeps

WRONG_CURRENT = N_("Your current password is wrong.")
CHANGED_HEADING = N_("Your password was changed")
CHANGED = N_("Use your new password from now on.")
CHANGED_OTHERS_OUT = N_("Use your new password from now on. Your other devices have been signed out.")
OTHERS_NOT_OUT = N_("Use your new password from now on. Your other devices could not be signed out right "
                    "now; please try again later.")
BACK = N_("Back to your account")


def password_router(deps: AccountDeps) -> APIRouter:
    router = APIRouter(tags=["account"])
    pages = deps.pages
    # A default, not Annotated: these annotations are strings (PEP 563) and `deps` is local.
    signed_in = Depends(deps.sessions.required)

    def change_page(request: Request, locale: str, username: str, *, status_code: int = 200,
                    message: str = "", field: str = "") -> HTMLResponse:
        return pages.form(request, "change_password.html", locale, status_code=status_code,
                          action=PASSWORD_PATH, account_url=ACCOUNT_PATH, username=username,
                          min_length=deps.min_password_length,
                          message=pages.t(locale, message, min=deps.min_password_length) if message else "",
                          invalid_field=field)

    @router.get(PASSWORD_PATH, response_class=HTMLResponse, summary="The password change form",
                responses=SIGNED_IN_PAGE)
    def password_page(request: Request, me: AccountSession = signed_in) -> HTMLResponse:
        return change_page(request, pages.locale(request), deps.directory.get(me.user_id).username)

    @router.post(PASSWORD_PATH, response_class=HTMLResponse, summary="Change the password",
                 responses=responses(200, 303, 400, 403, 415, 503), openapi_extra=form_body(
                     ["current_password", "new_password", "new_password_again"],
                     current_password="the password now", new_password="the new password",
                     new_password_again="the same again",
                     sign_out_others='"on": end every other session of the user'))
    def change_password(request: Request, body: Body, background: BackgroundTasks,
                        me: AccountSession = signed_in) -> HTMLResponse:
        form = read_form(request, body)
        locale, username = pages.locale(request, form), deps.directory.get(me.user_id).username
        if not pages.csrf_ok(request, form):
            return change_page(request, locale, username, status_code=400,
                               message=SESSION_EXPIRED)
        if form.get("new_password", "") != form.get("new_password_again", ""):
            return change_page(request, locale, username, status_code=400,
                               message=PASSWORDS_DIFFER, field="new")
        change = PasswordChange(user_id=me.user_id, sid=me.sid,
                                current_password=form.get("current_password", ""),
                                new_password=form.get("new_password", ""),
                                sign_out_others=form.get("sign_out_others") == "on")
        try:
            done = deps.change_password(change, client_ip(request))
        except WrongCurrentPassword:
            return change_page(request, locale, username, status_code=400,
                               message=WRONG_CURRENT, field="current")
        except InvalidRequest:
            return change_page(request, locale, username, status_code=400,
                               message=PASSWORD_RULES, field="new")
        except OAuthError as err:
            return pages.refusal(locale, err)
        later(background, deps.password_changed.deliver, done.user, locale)
        message = (CHANGED if not change.sign_out_others else CHANGED_OTHERS_OUT if done.others_ended
                   else OTHERS_NOT_OUT)
        return pages.notice(locale, CHANGED_HEADING, message, link_url=ACCOUNT_PATH, link_text=BACK)

    @router.get(EMAIL_PATH, response_class=HTMLResponse, summary="The account's email address",
                responses=SIGNED_IN_PAGE)
    def email_page(request: Request, me: AccountSession = signed_in) -> HTMLResponse:
        user = deps.directory.get(me.user_id)
        return pages.form(request, "account_email.html", pages.locale(request), email=user.email,
                          verified=user.email_verified, action=VERIFY_SEND_PATH, account_url=ACCOUNT_PATH)

    return router
