"""The two cookies of the login page: the CSRF double-submit token and the SSO session.

The session cookie holds only the opaque token the session service returned (RFC 6265
§8.3: HttpOnly keeps it from scripts, SameSite=Lax from cross-site subrequests). The CSRF
cookie is SameSite=Strict and scoped to /api/v1/sso: only the login form needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from authgate_common.crypto import constant_time_equal, random_token
from fastapi import Request, Response

from ..domain.ports import StartedSession

CSRF_COOKIE = "login_csrf"
CSRF_PATH = "/api/v1/sso"
CSRF_MAX_AGE = 3600
_CSRF_FORMAT = re.compile(r"^[A-Za-z0-9_-]{43}$")  # random_token(32)


@dataclass(frozen=True)
class CookiePolicy:
    session_name: str = "sso_session"
    secure: bool = False

    def csrf_token(self, request: Request) -> str:
        """The browser's current token when it is one of ours, else a fresh one; reusing it
        keeps two open login tabs working."""
        current = request.cookies.get(CSRF_COOKIE, "")
        return current if _CSRF_FORMAT.match(current) else random_token(32)

    def csrf_matches(self, request: Request, submitted: str) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        return bool(_CSRF_FORMAT.match(cookie)) and constant_time_equal(cookie, submitted)

    def set_csrf(self, response: Response, token: str) -> None:
        response.set_cookie(CSRF_COOKIE, token, max_age=CSRF_MAX_AGE, path=CSRF_PATH,
                            secure=self.secure, httponly=True, samesite="strict")

    def clear_csrf(self, response: Response) -> None:
        response.delete_cookie(CSRF_COOKIE, path=CSRF_PATH, secure=self.secure, httponly=True,
                               samesite="strict")

    def set_session(self, response: Response, session: StartedSession) -> None:
        max_age = max(0, int((session.expires_at - datetime.now(UTC)).total_seconds()))
        response.set_cookie(self.session_name, session.token, max_age=max_age, path="/",
                            secure=self.secure, httponly=True, samesite="lax")
