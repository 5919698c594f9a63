"""Who is at the account pages: the SSO cookie resolved to its live session.

Pages under /api/v1/sso/account need a signed-in user, and the ones that change how the
user signs in (factors, passkeys, password) need a recent sign-in too (NIST SP 800-63B
§7.2 re-authentication; OWASP ASVS V3.7.1): anything else goes back through the login
page, which returns here. The session service answers (SessionService.ValidateSession);
when it cannot, the page answers 503, never a guess.

    account = AccountSessions(sessions, cookies)
    recent = Depends(account.recent(600))  # a default: string annotations cannot see locals
    @router.get("/api/v1/sso/account/x")
    def page(request: Request, me: AccountSession = recent) -> ...
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable

from authgate_common.core.return_to import safe_return_to
from authgate_common.http import NO_STORE
from fastapi import Request
from starlette.exceptions import HTTPException

from ..domain.mfa.sessions import LiveSession, SessionGate
from .cookies import CookiePolicy

LOGIN_PATH = "/api/v1/sso/login"
RECENT_SIGN_IN_SECONDS = 600  # the account pages' default: a sign-in within 10 minutes

# The account pages' view of the session: user_id, sid, amr, auth_time, token.
AccountSession = LiveSession


class SignInRequired(HTTPException):
    """303 to the login page, which sends the browser back to `return_to` afterwards."""

    def __init__(self, return_to: str, acr: str = "") -> None:
        query = {"return_to": safe_return_to(return_to)}
        if acr:
            query["acr"] = acr
        location = f"{LOGIN_PATH}?{urllib.parse.urlencode(query, quote_via=urllib.parse.quote)}"
        super().__init__(303, "Sign in first.", headers={"Location": location, **NO_STORE})


def here(request: Request) -> str:
    """This request's path and query: where the login page should send the browser back to."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


class AccountSessions:
    def __init__(self, sessions: SessionGate, cookies: CookiePolicy) -> None:
        self._sessions = sessions
        self._cookies = cookies

    def current(self, request: Request) -> AccountSession | None:
        """The live session of the request's SSO cookie, or None."""
        return self._sessions.validate_session(request.cookies.get(self._cookies.session_name, ""))

    def required(self, request: Request) -> AccountSession:
        """Dependency: the live session, else 303 to the login page."""
        found = self.current(request)
        if found is None:
            raise SignInRequired(here(request))
        return found

    def recent(self, max_seconds: int = RECENT_SIGN_IN_SECONDS) -> Callable[[Request], AccountSession]:
        """Dependency factory: a live session whose sign-in is at most `max_seconds` old,
        else 303 to the login page (a fresh sign-in starts a new session)."""

        def dependency(request: Request) -> AccountSession:
            found = self.required(request)
            if not found.authenticated_within(max_seconds):
                raise SignInRequired(here(request))
            return found

        return dependency
