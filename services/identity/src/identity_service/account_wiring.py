"""The account flows wired from settings and the identity service's other parts (called by
bootstrap.build; tests pass a Postbox of their own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from authgate_common.core.crypto import derive_key
from authgate_common.pages import Pages

from .adapters.mailer import SmtpConfig, SmtpMailer, TemplatedPostbox
from .domain.account.change_password import ChangePassword
from .domain.account.courier import Courier
from .domain.account.email_verification import SendVerification, VerifyEmail
from .domain.account.mail_limit import MailLimit, MailLimitPolicy
from .domain.account.notices import PasswordChangedNotice
from .domain.account.password_reset import RequestPasswordReset, ResetPassword
from .domain.account.ports import AccountUnitOfWork, Postbox, SessionEnder
from .domain.account.registration import Register
from .domain.account.tokens import TOKEN_PURPOSE_KEY, LinkTokens
from .domain.create_user import CreateUser
from .domain.directory import Directory
from .domain.mfa.sessions import SessionGate
from .domain.passwords import PasswordHasher
from .domain.throttle import Counters, LoginThrottle
from .domain.verify_password import VerifyPassword
from .entrypoints.account_flows import AccountDeps, AccountLinks
from .entrypoints.account_forms import AccountPages
from .entrypoints.account_session import AccountSessions
from .entrypoints.cookies import CookiePolicy
from .settings import Settings


class AccountSessionPort(SessionEnder, SessionGate, Protocol):
    """The session service as the account pages use it: look a cookie up, end sessions."""


def postbox_for(settings: Settings, pages: Pages) -> TemplatedPostbox:
    """SMTP per the settings; no SMTP_HOST: a postbox that is not ready (the flows answer 404)."""
    mailer = SmtpMailer(SmtpConfig(
        host=settings.SMTP_HOST, port=settings.SMTP_PORT, starttls=settings.SMTP_STARTTLS,
        username=settings.SMTP_USERNAME, password=settings.SMTP_PASSWORD,
        timeout_seconds=settings.SMTP_TIMEOUT_SECONDS)) if settings.SMTP_HOST else None
    return TemplatedPostbox(pages, mailer, settings.MAIL_FROM)


@dataclass(frozen=True)
class AccountAdapters:
    """What bootstrap (or a test) builds for the account flows."""

    accounts: AccountUnitOfWork  # tokens and users in one transaction (adapters/account_tokens.py)
    sessions: AccountSessionPort
    postbox: Postbox | None = None  # None: SMTP per the settings (postbox_for)


def account_deps(settings: Settings, adapters: AccountAdapters, *, pages: Pages, cookies: CookiePolicy,
                 create_user: CreateUser, verify: VerifyPassword, hasher: PasswordHasher,
                 directory: Directory, counters: Counters | None,
                 throttle: LoginThrottle | None) -> AccountDeps:
    accounts, sessions = adapters.accounts, adapters.sessions
    tokens = LinkTokens(derive_key(settings.SECRET_KEY, TOKEN_PURPOSE_KEY), lambda: datetime.now(UTC))
    courier = Courier(adapters.postbox or postbox_for(settings, pages))
    links = AccountLinks(settings.issuer)
    limit = MailLimit(counters, MailLimitPolicy(
        per_account=settings.ACCOUNT_MAIL_MAX_PER_ACCOUNT, per_address=settings.ACCOUNT_MAIL_MAX_PER_ADDRESS,
        window_seconds=settings.ACCOUNT_MAIL_WINDOW_SECONDS)) if counters is not None else None
    minimum = settings.PASSWORD_MIN_LENGTH
    send_verification = SendVerification(accounts, tokens, courier, links, limit,
                                         settings.EMAIL_VERIFICATION_TTL_SECONDS)
    register = Register(accounts, create_user, send_verification, courier, links, limit,
                        minimum) if settings.SELF_REGISTRATION_ENABLED else None
    return AccountDeps(
        pages=AccountPages(pages, cookies), mail_ready=courier.ready,
        request_reset=RequestPasswordReset(accounts, tokens, courier, links, limit,
                                           settings.PASSWORD_RESET_TTL_SECONDS),
        reset_password=ResetPassword(accounts, tokens, hasher, minimum, sessions, throttle),
        send_verification=send_verification, verify_email=VerifyEmail(accounts, tokens), register=register,
        change_password=ChangePassword(accounts, tokens, verify, hasher, minimum, sessions),
        password_changed=PasswordChangedNotice(courier, links), directory=directory,
        sessions=AccountSessions(sessions, cookies),
        min_password_length=minimum, reset_minutes=settings.PASSWORD_RESET_TTL_SECONDS // 60)
