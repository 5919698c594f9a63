"""In-memory fakes of the ports (user storage with the unique rules, sessions) and the
identity core wired on them. bcrypt cost 4 keeps the tests fast."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from authgate_common.core.access_tokens import TokenInfo
from authgate_common.core.audit import MemoryAuditTrail
from authgate_common.core.errors import AlreadyExists, InvalidToken, OAuthError
from identity_service.domain.admin.paging import UserQuery
from identity_service.domain.admin.users import UserAdmin
from identity_service.domain.create_user import CreateUser, NewUser
from identity_service.domain.directory import Directory
from identity_service.domain.login import Login
from identity_service.domain.passwords import PasswordHasher
from identity_service.domain.ports import StartedSession
from identity_service.domain.users import User
from identity_service.domain.verify_password import VerifyPassword

ROUNDS = 4
PASSWORD = "correct horse battery"


class FakeUsers:
    """A repository and its unit of work; changes land only when the block succeeds."""

    def __init__(self) -> None:
        self.rows: dict[str, User] = {}
        self._pending: dict[str, User] | None = None
        self.audit = MemoryAuditTrail()  # every event, committed or not

    @contextmanager
    def __call__(self) -> Iterator[FakeUsers]:
        self._pending = dict(self.rows)
        try:
            yield self
            self.rows = self._pending
        finally:
            self._pending = None

    @property
    def _view(self) -> dict[str, User]:
        assert self._pending is not None, "repository used outside a unit of work"
        return self._pending

    def add(self, user: User) -> None:
        if any(u.username_key == user.username_key or u.email_key == user.email_key
               for u in self._view.values()):
            raise AlreadyExists("username or email is already taken")
        self._view[user.id] = user

    def save(self, user: User) -> None:
        self._view[user.id] = user

    def get(self, user_id: str, *, for_update: bool = False) -> User | None:
        return self._view.get(user_id)

    def get_by_username_key(self, key: str) -> User | None:
        return next((u for u in self._view.values() if u.username_key == key), None)

    def get_by_email_key(self, key: str) -> User | None:
        return next((u for u in self._view.values() if u.email_key == key), None)

    def list(self, limit: int) -> list[User]:
        return sorted(self._view.values(), key=lambda u: u.username_key)[:limit]

    def page(self, query: UserQuery, limit: int) -> Sequence[User]:
        after = (query.after.created_at, query.after.id) if query.after else None
        rows = sorted(self._view.values(), key=lambda u: (u.created_at, u.id))
        return [u for u in rows if (after is None or (u.created_at, u.id) > after)
                and query.username_key in (None, u.username_key) and query.email_key in (None, u.email_key)
                and query.disabled in (None, u.disabled)][:limit]

    def delete(self, user_id: str) -> bool:
        return self._view.pop(user_id, None) is not None


@dataclass
class FakeSessions:
    created: list[tuple[str, str, str, tuple[str, ...]]] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    failure: OAuthError | None = None

    def create_session(self, user_id: str, client_ip: str, user_agent: str,
                       amr: Sequence[str]) -> StartedSession:
        if self.failure:
            raise self.failure
        self.created.append((user_id, client_ip, user_agent, tuple(amr)))
        return StartedSession(sid=secrets.token_urlsafe(16), user_id=user_id,
                              token=secrets.token_urlsafe(32),
                              expires_at=datetime.now(UTC) + timedelta(hours=12))

    def revoke_user_sessions(self, user_id: str) -> None:
        if self.failure:
            raise self.failure
        self.revoked.append(user_id)


@dataclass
class FakeTokens:
    """TokenService/ValidateToken over the tokens a test registers."""

    tokens: dict[str, TokenInfo] = field(default_factory=dict)

    def add(self, token: str, client_id: str, scopes: str, *audiences: str) -> str:
        self.tokens[token] = TokenInfo(sub=client_id, client_id=client_id, scopes=tuple(scopes.split()),
                                       audiences=audiences)
        return token

    def validate(self, token: str, required_scopes: Sequence[str] = ()) -> TokenInfo:
        if token not in self.tokens:
            raise InvalidToken()
        return self.tokens[token]


class SpyHasher(PasswordHasher):
    """The real bcrypt hasher, recording which hashes each verification ran against."""

    def __init__(self, rounds: int = ROUNDS) -> None:
        super().__init__(rounds)
        self.verified_against: list[str] = []

    def verify(self, password: str, password_hash: str) -> bool:
        self.verified_against.append(password_hash)
        return super().verify(password, password_hash)


@dataclass
class Core:
    users: FakeUsers
    sessions: FakeSessions
    hasher: SpyHasher
    create_user: CreateUser
    verify: VerifyPassword
    directory: Directory
    login: Login
    admin: UserAdmin

    def user(self, username: str = "alice", password: str = PASSWORD, **extra: object) -> User:
        email = str(extra.pop("email", f"{username}@example.com"))
        return self.create_user(NewUser(username=username, email=email, password=password,
                                        **extra))  # type: ignore[arg-type]


def make_core(users: FakeUsers | None = None, hasher: SpyHasher | None = None) -> Core:
    users = users or FakeUsers()
    hasher = hasher or SpyHasher()
    sessions = FakeSessions()
    verify = VerifyPassword(users, hasher)
    create, directory = CreateUser(users, hasher, 8), Directory(users, sessions)
    return Core(users, sessions, hasher, create, verify, directory, Login(verify, sessions),
                UserAdmin(users, directory, create, verify, hasher, 8))
