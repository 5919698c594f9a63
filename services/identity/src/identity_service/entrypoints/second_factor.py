"""The second step of a sign-in (issue 19): a TOTP or recovery code, or — for a user
who must use a second factor and has none — setting up TOTP right there; and the same
pages for a step-up of a live session (the login URL's `acr=urn:authgate:acr:mfa`).

GET|POST /api/v1/sso/login/second-factor and GET|POST /api/v1/sso/login/enrol. The
pending sign-in is found by its cookie (pending_cookie.py); forms carry the login
pages' CSRF token. A finished sign-in sets the SSO cookie (for a step-up: its new value)
and goes on to the pending record's return_to.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from authgate_common.core.acr import ACR_MFA, requested_acr
from authgate_common.core.errors import OAuthError
from authgate_common.http import NO_STORE, client_ip
from authgate_common.pages import N_, Pages
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..domain.clients import ClientDirectory
from ..domain.mfa.complete import Completed, CompleteSignIn, SignInExpired
from ..domain.mfa.enrol import EnrolmentExpired, EnrolmentOffer, EnrolTotp, TooManyFactors, WrongCode
from ..domain.mfa.manage import ManageFactors
from ..domain.mfa.pending_signin import PendingSignIn
from ..domain.mfa.ports import TOTP, WEBAUTHN
from ..domain.mfa.sessions import SessionGate
from ..domain.mfa.sign_in import PasswordSignIn, SecondFactorDue, StartStepUp
from ..domain.users import User
from .cookies import CookiePolicy
from .login_page import LOGIN_PATH, SESSION_EXPIRED, UNAVAILABLE, page_locale
from .page_forms import FormFields, qr_svg
from .passkeys import with_passkey_script
from .pending_cookie import PendingCookie

SECOND_FACTOR_PATH = "/api/v1/sso/login/second-factor"
ENROL_PATH = "/api/v1/sso/login/enrol"
WRONG_CODE = N_("That code is not right. Check the app and try again.")
SET_UP_EXPIRED = N_("The set-up expired, please start again.")
QR_TITLE = N_("QR code for your authenticator app")


@dataclass(frozen=True)
class MfaDeps:
    sign_in: PasswordSignIn
    step_up: StartStepUp
    complete: CompleteSignIn
    enrol: EnrolTotp
    factors: ManageFactors
    sessions: SessionGate
    pending_cookie: PendingCookie = PendingCookie()


def required_acr(hint: str, return_to: str, clients: ClientDirectory) -> str | None:
    """The class the sign-in must reach: the login URL's `acr` hint (a form field), else
    what the authorization request `return_to` resumes asks — its `acr_values`, or its
    client's require_mfa. Only ever stricter: the authorization service checks the session
    again when the browser comes back, so nothing here needs to be trusted."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(return_to).query)[:100])
    if ACR_MFA in (requested_acr(hint), requested_acr(query.get("acr_values"))):
        return ACR_MFA
    client = clients.describe(query["client_id"]) if query.get("client_id") else None
    return ACR_MFA if client is not None and client.require_mfa else None


def to_second_factor(due: SecondFactorDue, pending_cookie: PendingCookie) -> RedirectResponse:
    """After the first factor: on to the code (or to set up TOTP), the pending cookie set."""
    redirect = RedirectResponse(ENROL_PATH if due.enrol else SECOND_FACTOR_PATH, status_code=303,
                                headers=NO_STORE)
    pending_cookie.set(redirect, due.cookie)
    return redirect


def login_again(return_to: str = "/") -> RedirectResponse:
    query = urllib.parse.urlencode({"return_to": return_to}, quote_via=urllib.parse.quote)
    return RedirectResponse(f"{LOGIN_PATH}?{query}", status_code=303, headers=NO_STORE)


def enrol_page(pages: Pages, request: Request, offer: EnrolmentOffer, *, action: str, csrf_token: str,
               cancel_url: str, return_to: str = "", forced: bool = False, message: str = "",
               status_code: int = 200, label: str = "") -> HTMLResponse:
    locale = page_locale(pages, request, return_to)
    return pages.render(
        "enrol_totp.html", locale, status_code=status_code, action=action, csrf_token=csrf_token,
        qr_svg=qr_svg(offer.uri, pages.translate(locale, QR_TITLE)), manual_key=offer.manual_key,
        offer_token=offer.token, label=label[:64], forced=forced, cancel_url=cancel_url,
        message=pages.translate(locale, message) if message else "", invalid=message == WRONG_CODE)


def second_factor_router(mfa: MfaDeps, pages: Pages, cookies: CookiePolicy) -> APIRouter:
    router = APIRouter(tags=["sso"])
    pending_cookie = mfa.pending_cookie

    def signed_in(completed: Completed, response: Response) -> Response:
        cookies.set_session(response, completed.session)
        pending_cookie.clear(response)
        cookies.clear_csrf(response)
        return response

    def code_page(request: Request, found: PendingSignIn, user: User, csrf_token: str, *,
                  message: str = "", status_code: int = 200) -> HTMLResponse:
        kinds = mfa.factors.methods(user.id)
        locale = page_locale(pages, request, found.return_to)
        return pages.render(
            "second_factor.html", locale, status_code=status_code, action=SECOND_FACTOR_PATH,
            csrf_token=csrf_token, has_totp=TOTP in kinds, has_passkey=WEBAUTHN in kinds,
            message=pages.translate(locale, message) if message else "", invalid=message == WRONG_CODE,
            cancel_url=login_again(found.return_to).headers["location"],
            headers=with_passkey_script() if WEBAUTHN in kinds else None)

    @router.get(SECOND_FACTOR_PATH, response_class=HTMLResponse, summary="The second-factor page")
    def second_factor_page(request: Request) -> Response:
        try:
            found, user = mfa.complete.pending(pending_cookie.read(request))
        except SignInExpired:
            return login_again()
        if not mfa.factors.methods(user.id):
            return RedirectResponse(ENROL_PATH, status_code=303, headers=NO_STORE)
        csrf_cookie, token = cookies.csrf_pair(request)
        page = code_page(request, found, user, token)
        cookies.set_csrf(page, csrf_cookie)
        return page

    @router.post(SECOND_FACTOR_PATH, summary="Sign in with a TOTP or recovery code")
    def second_factor(request: Request, form: FormFields) -> Response:
        cookie = pending_cookie.read(request)
        try:
            found, user = mfa.complete.pending(cookie)
            if not cookies.csrf_matches(request, form.get("csrf_token", "")):
                csrf_cookie, token = cookies.csrf_pair(request)
                page = code_page(request, found, user, token, message=SESSION_EXPIRED, status_code=400)
                cookies.set_csrf(page, csrf_cookie)
                return page
            code = form.get("code") or form.get("recovery_code") or ""
            completed = mfa.complete.with_code(cookie, code[:64], client_ip(request),
                                               request.headers.get("user-agent", ""),
                                               request.cookies.get(cookies.session_name, ""))
        except SignInExpired:
            return login_again()
        except OAuthError as err:
            if err.status_code < 500:
                raise
            return code_page(request, found, user, form.get("csrf_token", ""), message=UNAVAILABLE,
                             status_code=err.status_code)
        if completed is None:
            return code_page(request, found, user, form.get("csrf_token", ""), message=WRONG_CODE,
                             status_code=401)
        return signed_in(completed, RedirectResponse(completed.return_to, status_code=303, headers=NO_STORE))

    @router.get(ENROL_PATH, response_class=HTMLResponse, summary="Set up TOTP to finish signing in")
    def enrol_at_sign_in(request: Request) -> Response:
        try:
            found, user = mfa.complete.pending(pending_cookie.read(request))
        except SignInExpired:
            return login_again()
        if mfa.factors.methods(user.id):
            return RedirectResponse(SECOND_FACTOR_PATH, status_code=303, headers=NO_STORE)
        csrf_cookie, token = cookies.csrf_pair(request)
        page = enrol_page(pages, request, mfa.enrol.offer(user), action=ENROL_PATH, csrf_token=token,
                          cancel_url=login_again(found.return_to).headers["location"],
                          return_to=found.return_to, forced=True)
        cookies.set_csrf(page, csrf_cookie)
        return page

    @router.post(ENROL_PATH, summary="Confirm the new TOTP factor and finish signing in")
    def confirm_at_sign_in(request: Request, form: FormFields) -> Response:
        cookie = pending_cookie.read(request)
        offer_token, label = form.get("offer", ""), form.get("label", "")
        try:
            found, user = mfa.complete.pending(cookie)
            cancel = login_again(found.return_to).headers["location"]
            if not cookies.csrf_matches(request, form.get("csrf_token", "")):
                raise EnrolmentExpired()
            completed, codes = mfa.complete.with_enrolment(
                cookie, offer_token, form.get("code", "")[:64], label, client_ip(request),
                request.headers.get("user-agent", ""), request.cookies.get(cookies.session_name, ""))
        except SignInExpired:
            return login_again()
        except TooManyFactors:
            return RedirectResponse(SECOND_FACTOR_PATH, status_code=303, headers=NO_STORE)
        except (WrongCode, EnrolmentExpired) as err:
            wrong = isinstance(err, WrongCode)
            offer = (mfa.enrol.reopen(user, offer_token) if wrong else None) or mfa.enrol.offer(user)
            csrf_cookie, token = cookies.csrf_pair(request)
            page = enrol_page(pages, request, offer, action=ENROL_PATH, csrf_token=token, cancel_url=cancel,
                              return_to=found.return_to, forced=True, label=label, status_code=400,
                              message=WRONG_CODE if wrong else SET_UP_EXPIRED)
            cookies.set_csrf(page, csrf_cookie)
            return page
        if not codes:
            onward = RedirectResponse(completed.return_to, status_code=303, headers=NO_STORE)
            return signed_in(completed, onward)
        locale = page_locale(pages, request, completed.return_to)
        return signed_in(completed, pages.render("recovery_codes.html", locale, codes=codes,
                                                 continue_url=completed.return_to))

    return router
