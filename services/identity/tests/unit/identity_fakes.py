"""In-memory fakes of the ports (user storage with the unique rules, sessions) and the
identity core wired on them. bcrypt cost 4 keeps the tests fast."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from authgate_common.core.access_tokens import TokenInfo
from authgate_common.core.audit import MemoryAuditTrail
from authgate_common.core.errors import AlreadyExists, InvalidToken, OAuthError
from identity_service.domain.access.definitions import AccessDefinitions
from identity_service.domain.access.names import Group, Role
from identity_service.domain.access.user_access import SetUserAccess
from identity_service.domain.admin.paging import UserQuery
from identity_service.domain.admin.users import UserAdmin
from identity_service.domain.claims import UserClaims
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
        self.access = FakeAccess(self)

    @contextmanager
    def __call__(self) -> Iterator[FakeUsers]:
        self._pending = dict(self.rows)
        self.access.begin()
        try:
            yield self
            self.rows = self._pending
        except BaseException:
            self.access.rollback()
            raise
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


class FakeAccess:
    """Role and group definitions, transactional with FakeUsers; deletes cascade."""

    def __init__(self, users: FakeUsers) -> None:
        self._users = users
        self.roles: dict[str, Role] = {}
        self.groups: dict[str, Group] = {}
        self._saved: tuple[dict[str, Role], dict[str, Group]] = ({}, {})

    def begin(self) -> None:
        self._saved = (dict(self.roles), dict(self.groups))

    def rollback(self) -> None:
        self.roles, self.groups = self._saved

    def list_roles(self) -> list[Role]:
        return sorted(self.roles.values(), key=lambda r: r.name)

    def get_role(self, name: str) -> Role | None:
        return self.roles.get(name)

    def put_role(self, role: Role) -> None:
        self.roles[role.name] = role

    def delete_role(self, name: str) -> bool:
        self.groups = {n: replace(g, roles=tuple(r for r in g.roles if r != name))
                       for n, g in self.groups.items()}
        self._unlink("roles", name)
        return self.roles.pop(name, None) is not None

    def list_groups(self) -> list[Group]:
        return sorted(self.groups.values(), key=lambda g: g.name)

    def get_group(self, name: str) -> Group | None:
        return self.groups.get(name)

    def put_group(self, group: Group) -> None:
        self.groups[group.name] = group

    def delete_group(self, name: str) -> bool:
        self._unlink("groups", name)
        return self.groups.pop(name, None) is not None

    def missing_roles(self, names: Sequence[str]) -> list[str]:
        return sorted(set(names) - set(self.roles))

    def missing_groups(self, names: Sequence[str]) -> list[str]:
        return sorted(set(names) - set(self.groups))

    def roles_of_groups(self, groups: Iterable[str]) -> set[str]:
        return {r for g in groups if g in self.groups for r in self.groups[g].roles}

    def touch_holders(self, *, role: str | None = None, group: str | None = None) -> None:
        view = self._users._view
        for user in list(view.values()):
            if role in user.roles or group in user.groups:
                view[user.id] = replace(user, version=user.version + 1)

    def _unlink(self, field_name: str, name: str) -> None:
        view = self._users._view
        for user in list(view.values()):
            held = getattr(user, field_name)
            if name in held:
                view[user.id] = replace(user, **{field_name: tuple(n for n in held if n != name)})


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
    definitions: AccessDefinitions
    set_access: SetUserAccess
    claims: UserClaims

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
                UserAdmin(users, directory, create, verify, hasher, 8), AccessDefinitions(users),
                SetUserAccess(users), UserClaims(users, directory))
