"""The account flows' pages (issue 19 part 4), one router: password reset
(account_reset.py), self-registration and email verification (account_register.py), the
signed-in account's password and email (account_password.py). Paths: account_forms.py.

Routes are plain `def`: FastAPI runs them in its thread pool, so bcrypt and the database
never block the event loop; mail goes out in background tasks after the answer.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from fastapi import APIRouter

from ..domain.account.change_password import ChangePassword
from ..domain.account.email_verification import SendVerification, VerifyEmail
from ..domain.account.notices import PasswordChangedNotice
from ..domain.account.password_reset import RequestPasswordReset, ResetPassword
from ..domain.account.registration import Register
from ..domain.directory import Directory
from .account_forms import LOGIN_PATH, RESET_CONFIRM_PATH, RESET_PATH, VERIFY_PATH, AccountPages
from .account_password import password_router
from .account_register import registration_router
from .account_reset import reset_router
from .account_session import AccountSessions


@dataclass(frozen=True)
class AccountDeps:
    pages: AccountPages
    mail_ready: bool  # SMTP_HOST set: else the pages that mail answer 404
    request_reset: RequestPasswordReset
    reset_password: ResetPassword
    send_verification: SendVerification
    verify_email: VerifyEmail
    register: Register | None  # None: SELF_REGISTRATION_ENABLED is off (404)
    change_password: ChangePassword
    password_changed: PasswordChangedNotice
    directory: Directory
    sessions: AccountSessions  # who is at the account pages (entrypoints/account_session.py)
    min_password_length: int
    reset_minutes: int


@dataclass(frozen=True)
class AccountLinks:
    """The domain's Links: absolute URLs under the issuer (the public origin mails point to)."""

    issuer: str

    def _url(self, path: str, token: str = "") -> str:
        return self.issuer + path + (f"?{urllib.parse.urlencode({'token': token})}" if token else "")

    def password_reset(self, token: str) -> str:
        return self._url(RESET_CONFIRM_PATH, token)

    def verify_email(self, token: str) -> str:
        return self._url(VERIFY_PATH, token)

    def password_reset_request(self) -> str:
        return self._url(RESET_PATH)

    def sign_in(self) -> str:
        return self._url(LOGIN_PATH)


def account_flows_router(deps: AccountDeps) -> APIRouter:
    router = APIRouter()
    router.include_router(reset_router(deps))
    router.include_router(registration_router(deps))
    router.include_router(password_router(deps))
    return router
