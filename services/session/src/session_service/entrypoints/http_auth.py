"""Authenticating the public routes: a bearer token wins, else the SSO cookie.

A bearer token must be meant for the account API (scope `account`, `aud` the account
API's audience, see authgate_common.core.account_scope); the cookie is the browser's own session.

A cookie-authenticated change also passes the same-origin check (csrf.py) before the
cookie is even looked at, so a forged request neither acts nor slides the session.
"""

from __future__ import annotations

from dataclasses import dataclass

from authgate_common.admin_http import bearer_token
from authgate_common.core.account_scope import account_audience
from authgate_common.core.errors import AccessDenied
from authgate_common.same_origin import same_origin
from fastapi import Request, Response

from ..domain.callers import (
    Caller,
    TokenValidator,
    caller_from_cookie,
    caller_from_token,
    no_credentials,
)
from ..domain.context import Deps


@dataclass(frozen=True)
class WebConfig:
    issuer: str
    cookie_name: str = "sso_session"
    cookie_secure: bool = False
    max_body_bytes: int = 65536


class Authenticator:
    def __init__(self, deps: Deps, tokens: TokenValidator, web: WebConfig) -> None:
        self._deps, self._tokens, self._web = deps, tokens, web
        self._audience = account_audience(web.issuer)

    def __call__(self, request: Request, *, change: bool) -> Caller:
        token = bearer_token(request.headers.get("authorization"))
        if token is not None:
            return caller_from_token(self._tokens, token, self._audience)
        cookie = request.cookies.get(self._web.cookie_name)
        if not cookie:
            raise no_credentials()
        if change and not same_origin(request.headers, self._web.issuer):
            raise AccessDenied("Cross-site request refused.")
        return caller_from_cookie(self._deps, cookie)

    def clear_cookie(self, response: Response) -> None:
        """Max-Age=0 with the attributes the identity service set it with (RFC 6265 §5.3)."""
        response.delete_cookie(self._web.cookie_name, path="/", secure=self._web.cookie_secure,
                               httponly=True, samesite="lax")
