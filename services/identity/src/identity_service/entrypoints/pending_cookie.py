"""The pending sign-in's cookie (domain/mfa/pending_signin.py): between the password and
the second factor, the browser holds only a random value naming the record.

HttpOnly; SameSite=Lax, since a step-up starts from a client's redirect (a cross-site
navigation, in which a Strict cookie set on the way would not come back); five minutes;
scoped to /api/v1/sso over http, `__Host-` and Path=/ behind https (authgate_common.cookies).
"""

from __future__ import annotations

from dataclasses import dataclass

from authgate_common.cookies import CookieRule
from fastapi import Request, Response

PENDING_COOKIE = "mfa_pending"
PENDING_PATH = "/api/v1/sso"


@dataclass(frozen=True)
class PendingCookie:
    rule: CookieRule = CookieRule()
    max_age: int = 300

    @property
    def name(self) -> str:
        return self.rule.name(PENDING_COOKIE)

    def read(self, request: Request) -> str:
        return request.cookies.get(self.name, "")

    def set(self, response: Response, value: str) -> None:
        response.set_cookie(self.name, value, max_age=self.max_age, path=self.rule.path(PENDING_PATH),
                            secure=self.rule.secure, httponly=True, samesite="lax")

    def clear(self, response: Response) -> None:
        response.delete_cookie(self.name, path=self.rule.path(PENDING_PATH), secure=self.rule.secure,
                               httponly=True, samesite="lax")
