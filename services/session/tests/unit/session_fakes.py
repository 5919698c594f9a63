"""In-memory fakes of the record and the key-value store, a settable clock, and a core on them
(conftest.py hands the core to the tests as the `world` fixture)."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from authgate_common.core.access_tokens import TokenInfo
from authgate_common.core.audit import MemoryAuditTrail
from authgate_common.core.errors import InvalidToken, LoginRequired, NotFound
from session_service.bootstrap import SessionService, build
from session_service.domain.lookup import get_session
from session_service.domain.model import Revocation, Session
from session_service.domain.validate import validate_session
from session_service.settings import Settings

LIFETIME, IDLE, WRITE_INTERVAL = 43200, 3600, 60


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime(2030, 1, 1, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeKV:
    """The subset of authgate_common.kv.KeyValueStore presence uses, with TTLs on the fake clock."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self.data: dict[str, tuple[str, datetime]] = {}
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise redis.ConnectionError("store down")

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        self._check()
        self.data[key] = (value, self._clock() + timedelta(seconds=max(1, ttl_seconds)))

    def get(self, key: str) -> str | None:
        self._check()
        item = self.data.get(key)
        return item[0] if item is not None and item[1] > self._clock() else None

    def delete(self, *keys: str) -> None:
        self._check()
        for k in keys:
            self.data.pop(k, None)

    def exists_any(self, *keys: str) -> bool:
        return any(self.get(k) is not None for k in keys)

    def ttl(self, key: str) -> float:
        return (self.data[key][1] - self._clock()).total_seconds()


class FakeRepository:
    def __init__(self, rows: dict[str, Session], calls: list[tuple[str, Any]],
                 audit: MemoryAuditTrail | None = None) -> None:
        self.rows = rows
        self.calls = calls
        self.audit = audit or MemoryAuditTrail()

    def add(self, session: Session) -> None:
        self.calls.append(("add", session))
        if any(r.token_hash == session.token_hash for r in self.rows.values()):
            raise AssertionError("duplicate token_hash")
        self.rows[session.sid] = session

    def get_by_token_hash(self, token_hash: str) -> Session | None:
        self.calls.append(("get_by_token_hash", token_hash))
        return next((r for r in self.rows.values() if r.token_hash == token_hash), None)

    def get_by_sid(self, sid: str) -> Session | None:
        self.calls.append(("get_by_sid", sid))
        return self.rows.get(sid)

    def list_active(self, user_id: str, now: datetime) -> list[Session]:
        self.calls.append(("list_active", user_id))
        return [r for r in self.rows.values()
                if r.user_id == user_id and r.revoked_at is None and r.expires_at > now]

    def touch(self, sid: str, last_seen_at: datetime) -> None:
        self.calls.append(("touch", (sid, last_seen_at)))
        row = self.rows[sid]
        if row.revoked_at is None and row.last_seen_at < last_seen_at:
            self.rows[sid] = replace(row, last_seen_at=last_seen_at)

    def elevate(self, session: Session, old_token_hash: str) -> bool:
        self.calls.append(("elevate", (session.sid, old_token_hash)))
        row = self.rows.get(session.sid)
        if row is None or row.token_hash != old_token_hash or row.revoked_at is not None:
            return False
        self.rows[session.sid] = replace(row, token_hash=session.token_hash, amr=session.amr,
                                         auth_time=session.auth_time, last_seen_at=session.last_seen_at)
        return True

    def mark_revoked(self, sids: Sequence[str], when: datetime, reason: str) -> None:
        self.calls.append(("mark_revoked", (tuple(sids), reason)))
        for sid in sids:
            if self.rows[sid].revoked_at is None:
                self.rows[sid] = replace(self.rows[sid], revoked_at=when, revoked_reason=reason)

    def revoked_since(self, since: datetime, limit: int | None = None,
                      after: tuple[datetime, str] | None = None) -> list[Session]:
        self.calls.append(("revoked_since", since))
        hits = sorted(((r.revoked_at, r.sid), r) for r in self.rows.values()
                      if r.revoked_at is not None and r.revoked_at > since)
        rows = [r for key, r in hits if after is None or key > after]
        return rows if limit is None else rows[:limit]


class FakeUnitOfWork:
    """Commits on success, restores the rows on error, like the SQL unit of work."""

    def __init__(self) -> None:
        self.rows: dict[str, Session] = {}
        self.calls: list[tuple[str, Any]] = []
        self.audit = MemoryAuditTrail()  # every event, committed or not

    @contextmanager
    def __call__(self) -> Iterator[FakeRepository]:
        snapshot = copy.copy(self.rows)
        try:
            yield FakeRepository(self.rows, self.calls, self.audit)
        except BaseException:
            self.rows.clear()
            self.rows.update(snapshot)
            raise


class FakeTokens:
    """TokenService/ValidateToken: the tokens it knows, by value."""

    def __init__(self) -> None:
        self.known: dict[str, TokenInfo] = {}

    def validate(self, token: str, required_scopes: Sequence[str]) -> TokenInfo:
        info = self.known.get(token)
        if info is None:
            raise InvalidToken()
        return info


class RecordingPublisher:
    def __init__(self, hub) -> None:
        self.hub = hub
        self.published: list[Revocation] = []

    def publish(self, revocations: Sequence[Revocation]) -> None:
        self.published.extend(revocations)
        self.hub.deliver(revocations)


@dataclass
class World:
    service: SessionService
    clock: FakeClock
    kv: FakeKV
    uow: FakeUnitOfWork
    tokens: FakeTokens
    lifetime: int = LIFETIME
    idle: int = IDLE
    write_interval: int = WRITE_INTERVAL

    @property
    def deps(self):
        return self.service.deps

    def row(self, sid: str) -> Session:
        return self.uow.rows[sid]

    def assert_ended(self, sid: str, token: str) -> None:
        """The session neither validates (login_required) nor resolves by sid (not found)."""
        with pytest.raises(LoginRequired):
            validate_session(self.deps, token)
        with pytest.raises(NotFound):
            get_session(self.deps, sid)

    @property
    def published(self) -> list[Revocation]:
        return self.deps.publisher.published  # type: ignore[no-any-return]


def make_world() -> World:
    settings = Settings(_env_file=None, SECRET_KEY=secrets.token_urlsafe(32),  # type: ignore[call-arg]
                        SESSION_LIFETIME_SECONDS=LIFETIME,
                        SESSION_IDLE_TIMEOUT_SECONDS=IDLE,
                        SESSION_LAST_SEEN_WRITE_INTERVAL_SECONDS=WRITE_INTERVAL)
    clock, uow, tokens = FakeClock(), FakeUnitOfWork(), FakeTokens()
    kv = FakeKV(clock)
    service = build(settings, uow=uow, store=kv, tokens=tokens, clock=clock,  # type: ignore[arg-type]
                    publisher_for=RecordingPublisher)
    return World(service, clock, kv, uow, tokens)
