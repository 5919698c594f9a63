"""In-memory fakes for the account flows: tokens beside FakeUsers in one unit of work, a
postbox that keeps letters, a session service that records revocations, a clock."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from authgate_common.core.crypto import derive_key
from authgate_common.core.kv import MemoryStore
from identity_fakes import Core, make_core
from identity_service.domain.account.change_password import ChangePassword
from identity_service.domain.account.courier import Courier
from identity_service.domain.account.email_verification import SendVerification, VerifyEmail
from identity_service.domain.account.mail_limit import MailLimit, MailLimitPolicy
from identity_service.domain.account.notices import PasswordChangedNotice
from identity_service.domain.account.password_reset import RequestPasswordReset, ResetPassword
from identity_service.domain.account.ports import AccountToken, Letter
from identity_service.domain.account.registration import Register
from identity_service.domain.account.tokens import LinkTokens
from identity_service.domain.throttle import LoginThrottle, ThrottlePolicy
from identity_service.domain.verify_password import VerifyPassword

SECRET = "s" * 40


class FakeTokens:
    def __init__(self) -> None:
        self.rows: dict[str, AccountToken] = {}

    def add(self, token: AccountToken) -> None:
        self.rows[token.token_hash] = token

    def find(self, token_hash: str, purpose: str) -> AccountToken | None:
        token = self.rows.get(token_hash)
        return token if token is not None and token.purpose == purpose else None

    def consume(self, token_hash: str, purpose: str, now: datetime) -> AccountToken | None:
        token = self.find(token_hash, purpose)
        if token is None or not token.usable(now):
            return None
        self.rows[token_hash] = used = replace(token, used_at=now)
        return used

    def retire(self, user_id: str, purpose: str, now: datetime) -> None:
        self.rows = {h: t for h, t in self.rows.items()
                     if not (t.user_id == user_id and t.purpose == purpose)}


class FakeAccounts:
    """The account unit of work over the core's FakeUsers; tokens roll back with it."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.tokens = FakeTokens()
        self.opened = 0  # units of work begun: "the same work" for every address

    @contextmanager
    def __call__(self) -> Iterator[SimpleNamespace]:
        self.opened += 1
        saved = dict(self.tokens.rows)
        try:
            with self.core.users() as users:
                yield SimpleNamespace(users=users, tokens=self.tokens, audit=users.audit)
        except BaseException:
            self.tokens.rows = saved
            raise


@dataclass
class FakePostbox:
    ready: bool = True
    letters: list[Letter] = field(default_factory=list)
    fail: bool = False

    def send(self, letter: Letter) -> None:
        if self.fail:
            raise OSError("connection refused")
        self.letters.append(letter)

    def token(self, index: int = -1) -> str:
        """The token in a letter's link."""
        query = urllib.parse.urlsplit(self.letters[index].link).query
        return dict(urllib.parse.parse_qsl(query))["token"]


@dataclass
class FakeSessionService:
    revoked: list[tuple[str, str]] = field(default_factory=list)  # (user_id, keep_sid)
    down: bool = False

    def revoke_user_sessions(self, user_id: str, keep_sid: str = "") -> None:
        if self.down:
            raise OSError("session service down")
        self.revoked.append((user_id, keep_sid))


class Links:
    def password_reset(self, token: str) -> str:
        return "https://id.example/reset?" + urllib.parse.urlencode({"token": token})

    def verify_email(self, token: str) -> str:
        return "https://id.example/verify?" + urllib.parse.urlencode({"token": token})

    def password_reset_request(self) -> str:
        return "https://id.example/reset"

    def sign_in(self) -> str:
        return "https://id.example/login"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Account:
    """The account flows wired on fakes."""

    core: Core
    accounts: FakeAccounts
    postbox: FakePostbox
    sessions: FakeSessionService
    clock: Clock
    counters: MemoryStore
    throttle: LoginThrottle
    request_reset: RequestPasswordReset
    reset_password: ResetPassword
    send_verification: SendVerification
    verify_email: VerifyEmail
    register: Register
    change_password: ChangePassword
    notice: PasswordChangedNotice

    def audit_types(self) -> list[str]:
        return self.core.users.audit.types()


def make_account(policy: MailLimitPolicy | None = None, reset_ttl: int = 1800,
                 verify_ttl: int = 86400) -> Account:
    core = make_core()
    accounts, postbox, sessions, clock = FakeAccounts(core), FakePostbox(), FakeSessionService(), Clock()
    counters = MemoryStore()
    throttle = LoginThrottle(counters, ThrottlePolicy())
    verify = VerifyPassword(core.users, core.hasher, throttle)
    tokens = LinkTokens(derive_key(SECRET, "identity/account-link-token"), clock)
    courier, links = Courier(postbox), Links()
    limit = MailLimit(counters, policy or MailLimitPolicy())
    send = SendVerification(accounts, tokens, courier, links, limit, verify_ttl)
    return Account(
        core, accounts, postbox, sessions, clock, counters, throttle,
        RequestPasswordReset(accounts, tokens, courier, links, limit, reset_ttl),
        ResetPassword(accounts, tokens, core.hasher, 8, sessions, throttle),
        send, VerifyEmail(accounts, tokens),
        Register(accounts, core.create_user, send, courier, links, limit, 8),
        ChangePassword(accounts, tokens, verify, core.hasher, 8, sessions),
        PasswordChangedNotice(courier, links))
