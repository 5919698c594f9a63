"""The two cookies of the login page: the CSRF cookie and the SSO session.

The session cookie holds only the opaque token the session service returned (RFC 6265
§8.3: HttpOnly keeps it from scripts, SameSite=Lax from cross-site subrequests). The CSRF
cookie is SameSite=Strict and only the login form needs it: scoped to /api/v1/sso over
http, Path=/ where the `__Host-` prefix demands it. Names and the Secure flag follow the
one rule of authgate_common.cookies (https ISSUER: `__Host-` and Secure); the CSRF
cookie's binding to the form is domain/login_csrf.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from authgate_common.cookies import CookieRule
from fastapi import Request, Response

from ..domain.login_csrf import LoginCsrf
from ..domain.ports import StartedSession

CSRF_COOKIE = "login_csrf"
CSRF_PATH = "/api/v1/sso"
CSRF_MAX_AGE = 3600


@dataclass(frozen=True)
class CookiePolicy:
    csrf: LoginCsrf
    rule: CookieRule = CookieRule()
    session_base_name: str = "sso_session"

    @property
    def session_name(self) -> str:
        return self.rule.name(self.session_base_name)

    @property
    def csrf_name(self) -> str:
        return self.rule.name(CSRF_COOKIE)

    def csrf_pair(self, request: Request) -> tuple[str, str]:
        """(cookie, form token): the browser's current cookie when we minted it, else a
        fresh one; reusing it keeps two open login tabs working."""
        cookie = request.cookies.get(self.csrf_name, "")
        if not self.csrf.is_ours(cookie):
            cookie = self.csrf.mint()
        return cookie, self.csrf.form_token(cookie)

    def csrf_matches(self, request: Request, submitted: str) -> bool:
        return self.csrf.matches(request.cookies.get(self.csrf_name, ""), submitted)

    def set_csrf(self, response: Response, cookie: str) -> None:
        response.set_cookie(self.csrf_name, cookie, max_age=CSRF_MAX_AGE, path=self.rule.path(CSRF_PATH),
                            secure=self.rule.secure, httponly=True, samesite="strict")

    def clear_csrf(self, response: Response) -> None:
        response.delete_cookie(self.csrf_name, path=self.rule.path(CSRF_PATH), secure=self.rule.secure,
                               httponly=True, samesite="strict")

    def set_session(self, response: Response, session: StartedSession) -> None:
        max_age = max(0, int((session.expires_at - datetime.now(UTC)).total_seconds()))
        response.set_cookie(self.session_name, session.token, max_age=max_age, path="/",
                            secure=self.rule.secure, httponly=True, samesite="lax")
