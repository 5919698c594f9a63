"""The account's sign-in security page: the user's second factors (authenticator apps,
passkeys), adding and removing an app, new recovery codes (issue 19).

GET /api/v1/sso/account/security and the forms below it. Every route needs a live
session whose sign-in is recent (account_session.py: 10 minutes, NIST SP 800-63B §7.2
re-authentication before changing authenticators, SP 800-63B §6.1.2.1), and every
form carries the login pages' CSRF token (signed double-submit).
"""

from __future__ import annotations

from authgate_common.core.errors import InvalidRequest, NotFound
from authgate_common.http import NO_STORE, client_ip
from authgate_common.pages import N_, Pages
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..domain.mfa.enrol import EnrolmentExpired, TooManyFactors, WrongCode
from ..domain.users import User
from .account_session import AccountSession, AccountSessions, SignInRequired, here
from .cookies import CookiePolicy
from .login_page import page_locale
from .page_forms import FormFields, locale_query
from .passkeys import with_passkey_script
from .second_factor import SET_UP_EXPIRED, WRONG_CODE, MfaDeps, enrol_page

SECURITY_PATH = "/api/v1/sso/account/security"
NOTICES = {
    "added": N_("The authenticator app is set up."),
    "removed": N_("The authenticator app was removed."),
    "expired": N_("Your session expired, please try again."),
}


def account_security_router(mfa: MfaDeps, pages: Pages, cookies: CookiePolicy,
                            account: AccountSessions) -> APIRouter:
    router = APIRouter(tags=["account"])
    # A default, not Annotated: the annotations are strings, resolved in module scope.
    recent = Depends(account.recent())

    def user_of(request: Request, me: AccountSession) -> User:
        user = mfa.factors.user(me.user_id)
        if user is None:
            raise SignInRequired(here(request))
        return user

    def back(request: Request, notice: str) -> RedirectResponse:
        return RedirectResponse(f"{SECURITY_PATH}?done={notice}{locale_query(request, '&')}", status_code=303,
                                headers=NO_STORE)

    def checked(request: Request, form: dict[str, str]) -> bool:
        return cookies.csrf_matches(request, form.get("csrf_token", ""))

    @router.get(SECURITY_PATH, response_class=HTMLResponse, summary="The account's second factors")
    def security_page(request: Request, done: str = "", me: AccountSession = recent) -> HTMLResponse:
        listed = mfa.factors.factors_of(me.user_id)
        locale = page_locale(pages, request)
        csrf_cookie, token = cookies.csrf_pair(request)
        page = pages.render("account_security.html", locale, factors=listed.factors,
                            recovery_codes_left=listed.recovery_codes_left, csrf_token=token,
                            base=SECURITY_PATH, q=locale_query(request),
                            message=pages.translate(locale, NOTICES[done]) if done in NOTICES else "",
                            headers=with_passkey_script())
        cookies.set_csrf(page, csrf_cookie)
        return page

    @router.get(f"{SECURITY_PATH}/totp", response_class=HTMLResponse, summary="Set up an authenticator app")
    def add_totp_page(request: Request, me: AccountSession = recent) -> HTMLResponse:
        csrf_cookie, token = cookies.csrf_pair(request)
        offer = mfa.enrol.offer(user_of(request, me))
        page = enrol_page(pages, request, offer, action=f"{SECURITY_PATH}/totp{locale_query(request)}",
                          csrf_token=token, cancel_url=SECURITY_PATH + locale_query(request))
        cookies.set_csrf(page, csrf_cookie)
        return page

    @router.post(f"{SECURITY_PATH}/totp", summary="Confirm a new authenticator app")
    def add_totp(request: Request, form: FormFields, me: AccountSession = recent) -> Response:
        user = user_of(request, me)
        if not checked(request, form):
            return back(request, "expired")
        offer_token, label = form.get("offer", ""), form.get("label", "")
        try:
            enrolled = mfa.enrol.confirm(user, offer_token, form.get("code", "")[:64], label,
                                         client_ip(request))
        except TooManyFactors as err:
            raise InvalidRequest(err.description) from err
        except (WrongCode, EnrolmentExpired) as err:
            wrong = isinstance(err, WrongCode)
            offer = (mfa.enrol.reopen(user, offer_token) if wrong else None) or mfa.enrol.offer(user)
            lang = locale_query(request)
            return enrol_page(pages, request, offer, action=f"{SECURITY_PATH}/totp{lang}",
                              csrf_token=form.get("csrf_token", ""), cancel_url=SECURITY_PATH + lang,
                              label=label, status_code=400, message=WRONG_CODE if wrong else SET_UP_EXPIRED)
        if not enrolled.recovery_codes:
            return back(request, "added")
        return pages.render("recovery_codes.html", page_locale(pages, request), codes=enrolled.recovery_codes,
                            continue_url=f"{SECURITY_PATH}?done=added{locale_query(request, '&')}")

    @router.post(SECURITY_PATH + "/totp/{factor_id}/remove", summary="Remove an authenticator app")
    def remove_totp(request: Request, factor_id: str, form: FormFields,
                    me: AccountSession = recent) -> Response:
        user = user_of(request, me)
        if not checked(request, form):
            return back(request, "expired")
        try:
            mfa.factors.remove_totp(user, factor_id[:64], user.id, client_ip(request))
        except NotFound:
            pass  # removed already (a second click): the page shows what is left
        return back(request, "removed")

    @router.post(f"{SECURITY_PATH}/recovery-codes", summary="Replace the recovery codes")
    def new_recovery_codes(request: Request, form: FormFields, me: AccountSession = recent) -> Response:
        user = user_of(request, me)
        if not checked(request, form):
            return back(request, "expired")
        codes = mfa.factors.new_recovery_codes(user, client_ip(request))
        return pages.render("recovery_codes.html", page_locale(pages, request), codes=codes,
                            continue_url=SECURITY_PATH + locale_query(request))

    return router
