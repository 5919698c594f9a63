"""In-memory fakes of the ports, a fake clock, and the core wired on them (conftest.py hands
them to the tests as the `settings`, `core` and `pkce` fixtures)."""

from __future__ import annotations

import base64
import copy
import hashlib
import secrets
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from authgate_common.core.audit import MemoryAuditTrail
from authgate_common.core.errors import TemporarilyUnavailable
from authorization_service.bootstrap import AuthorizationService, build
from authorization_service.domain.admin.paging import ClientQuery
from authorization_service.domain.authorize.context import AuthorizeRequest, Outcome
from authorization_service.domain.backchannel.models import PENDING, Notice
from authorization_service.domain.models import Client, Consent, OutboxMessage, SessionInfo, StoredCode
from authorization_service.settings import Settings
from catalog_fakes import FakeCatalog

ISSUER = "https://auth.example"
REDIRECT = "https://app.example/cb"


class FakeClock:
    def __init__(self) -> None:
        self.current = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class FakeClients:
    def __init__(self) -> None:
        self.rows: dict[str, Client] = {}

    def get(self, client_id: str, *, for_update: bool = False) -> Client | None:
        return self.rows.get(client_id)

    def all(self) -> list[Client]:
        return [self.rows[k] for k in sorted(self.rows)]

    def page(self, query: ClientQuery, limit: int) -> list[Client]:
        after = (query.after.created_at, query.after.id) if query.after else None
        wanted = {"client_type": query.client_type, "first_party": query.first_party, "admin": query.admin}
        rows = sorted(self.rows.values(), key=lambda c: (c.created_at, c.client_id))
        return [c for c in rows if (after is None or (c.created_at, c.client_id) > after)
                and all(v is None or getattr(c, f) == v for f, v in wanted.items())][:limit]

    def add(self, client: Client) -> None:
        self.rows[client.client_id] = client

    def save(self, client: Client) -> None:
        self.rows[client.client_id] = client

    def delete(self, client_id: str) -> bool:
        return self.rows.pop(client_id, None) is not None


class FakeCodes:
    def __init__(self) -> None:
        self.rows: dict[str, StoredCode] = {}

    def add(self, code: StoredCode) -> None:
        self.rows[code.code_hash] = code

    def consume(self, code_hash: str, now: datetime) -> StoredCode | None:
        row = self.rows.get(code_hash)
        if row is None or row.consumed_at is not None:
            return None
        self.rows[code_hash] = replace(row, consumed_at=now)
        return self.rows[code_hash]

    def exists(self, code_hash: str) -> bool:
        return code_hash in self.rows


class FakeConsents:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Consent] = {}

    def get(self, user_id: str, client_id: str) -> Consent | None:
        return self.rows.get((user_id, client_id))

    def active_for_user(self, user_id: str) -> list[Consent]:
        return [c for (u, _), c in sorted(self.rows.items()) if u == user_id and c.revoked_at is None]

    def save(self, consent: Consent) -> None:
        self.rows[(consent.user_id, consent.client_id)] = consent

    def delete_for_client(self, client_id: str) -> int:
        gone = [k for k in self.rows if k[1] == client_id]
        for k in gone:
            del self.rows[k]
        return len(gone)


class FakeOutbox:
    def __init__(self) -> None:
        self.rows: list[tuple[str, dict, datetime]] = []
        # Delivery state by message id (row index + 1): attempts, next, delivered, error.
        self.meta: dict[int, dict] = {}

    def add(self, topic: str, payload: dict, now: datetime) -> None:
        self.rows.append((topic, payload, now))
        self.meta[len(self.rows)] = {"attempts": 0, "next": now, "delivered": None, "error": ""}

    def claim_due(self, topics, now: datetime, limit: int, lease_until: datetime) -> list[OutboxMessage]:
        claimed: list[OutboxMessage] = []
        for i, (topic, payload, _) in enumerate(self.rows, start=1):
            m = self.meta[i]
            if len(claimed) < limit and topic in topics and m["delivered"] is None and m["next"] <= now:
                m["attempts"] += 1
                m["next"] = lease_until
                claimed.append(OutboxMessage(i, topic, dict(payload), m["attempts"]))
        return claimed

    def delivered(self, message_id: int, now: datetime) -> None:
        self.meta[message_id]["delivered"] = now

    def retry_at(self, message_id: int, when: datetime, error: str) -> None:
        self.meta[message_id].update(next=when, error=error)


@dataclass
class FakeLogout:
    sid: str
    client_id: str
    user_id: str
    state: str = PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    finished_at: datetime | None = None
    last_error: str = ""


class FakeBackchannel:
    """Participants and queued back-channel logouts; `clients` gives the registrations."""

    def __init__(self, clients: FakeClients) -> None:
        self.clients = clients
        self.participants: dict[tuple[str, str], tuple[str, datetime]] = {}
        self.logouts: dict[int, FakeLogout] = {}

    def add_participant(self, sid: str, client_id: str, user_id: str, now: datetime) -> None:
        self.participants.setdefault((sid, client_id), (user_id, now))

    def enqueue(self, sids: list[str], now: datetime) -> int:
        queued = {(n.sid, n.client_id) for n in self.logouts.values()}
        added = 0
        for (sid, client_id), (user_id, _) in sorted(self.participants.items()):
            client = self.clients.get(client_id)
            if sid in sids and client and client.backchannel_logout_uri and (sid, client_id) not in queued:
                self.logouts[len(self.logouts) + 1] = FakeLogout(sid, client_id, user_id, next_attempt_at=now)
                added += 1
        return added

    def claim_due(self, now: datetime, limit: int, lease_until: datetime) -> list[Notice]:
        due = [i for i, n in sorted(self.logouts.items())
               if n.state == PENDING and n.next_attempt_at is not None and n.next_attempt_at <= now]
        claimed: list[Notice] = []
        for i in due[:limit]:
            n = self.logouts[i]
            n.attempts += 1
            n.next_attempt_at = lease_until
            claimed.append(Notice(i, n.sid, n.client_id, n.user_id, n.attempts))
        return claimed

    def delivered(self, notice_id: int, now: datetime) -> None:
        self.logouts[notice_id].state, self.logouts[notice_id].finished_at = "delivered", now

    def retry_at(self, notice_id: int, when: datetime, error: str) -> None:
        self.logouts[notice_id].next_attempt_at, self.logouts[notice_id].last_error = when, error

    def give_up(self, notice_id: int, now: datetime, error: str) -> None:
        n = self.logouts[notice_id]
        n.state, n.finished_at, n.last_error = "failed", now, error

    def purge(self, finished_before: datetime, participants_before: datetime) -> int:
        old = [i for i, n in self.logouts.items() if n.finished_at and n.finished_at < finished_before]
        gone = [k for k, (_, at) in self.participants.items() if at < participants_before]
        for i in old:
            del self.logouts[i]
        for k in gone:
            del self.participants[k]
        return len(old) + len(gone)


@dataclass
class FakeRepositories:
    clients: FakeClients = field(default_factory=FakeClients)
    codes: FakeCodes = field(default_factory=FakeCodes)
    consents: FakeConsents = field(default_factory=FakeConsents)
    outbox: FakeOutbox = field(default_factory=FakeOutbox)
    backchannel: FakeBackchannel = field(init=False)
    audit: MemoryAuditTrail = field(default_factory=MemoryAuditTrail)  # committed or not
    catalog: FakeCatalog = field(init=False)

    def __post_init__(self) -> None:
        self.backchannel = FakeBackchannel(self.clients)
        self.catalog = FakeCatalog(self.clients)


class FakeUnitOfWork:
    """Commits at the end of the block, restores the snapshot when it raises."""

    def __init__(self) -> None:
        self.repos = FakeRepositories()
        self.commits = 0

    @contextmanager
    def __call__(self) -> Iterator[FakeRepositories]:
        repos = self.repos
        snapshot = copy.deepcopy((repos.clients.rows, repos.codes.rows, repos.consents.rows,
                                  repos.outbox.rows, repos.catalog.state))
        try:
            yield repos
        except BaseException:
            (repos.clients.rows, repos.codes.rows, repos.consents.rows,
             repos.outbox.rows, repos.catalog.state) = snapshot
            raise
        self.commits += 1


class FakeChanges:
    """Client changes announced to the token replicas, with the commit count at the time."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow
        self.announced: list[tuple[str, int]] = []

    def announce(self, client_id: str) -> None:
        self.announced.append((client_id, self.uow.commits))


class FakeSessions:
    def __init__(self) -> None:
        self.tokens: dict[str, SessionInfo] = {}
        self.down = False
        self.asked: list[str] = []

    def validate(self, session_token: str) -> SessionInfo | None:
        self.asked.append(session_token)
        if self.down:
            raise TemporarilyUnavailable()
        return self.tokens.get(session_token)

    def sign_in(self, user_id: str = "user-1") -> tuple[str, SessionInfo]:
        token = secrets.token_urlsafe(32)
        info = SessionInfo(sid="sid-" + secrets.token_hex(4), user_id=user_id,
                           auth_time=datetime(2030, 1, 1, 11, 59, tzinfo=UTC), amr=("pwd",))
        self.tokens[token] = info
        return token, info


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(location: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


@dataclass
class Core:
    service: AuthorizationService
    uow: FakeUnitOfWork
    sessions: FakeSessions
    clock: FakeClock
    changes: FakeChanges
    query = staticmethod(query_of)
    pkce_pair = staticmethod(pkce_pair)

    def register(self, client_id: str = "web", secret: str = "", **fields) -> tuple[Client, str]:
        defaults = dict(redirect_uris=(REDIRECT,), scopes=("openid", "profile", "email", "read"),
                        grant_types=("authorization_code", "refresh_token"), first_party=True)
        if fields.get("client_type") == "public":
            defaults["token_endpoint_auth_method"] = "none"
        registered = self.service.registry.create(Client(client_id=client_id, **{**defaults, **fields}),
                                                  secret)
        return registered.client, registered.client_secret

    def authorize(self, pairs: list[tuple[str, str]] | None = None, *, cookie: str | None = None,
                  **params: str) -> Outcome:
        pairs = list(pairs or []) + list(params.items())
        return_to = "/api/v1/oauth/authorize?" + urllib.parse.urlencode(pairs)
        return self.service.authorize.handle(AuthorizeRequest(tuple(pairs), cookie, return_to))

    def valid_params(self, challenge: str, **overrides: str) -> dict[str, str]:
        params = {"response_type": "code", "client_id": "web", "redirect_uri": REDIRECT,
                  "scope": "openid read", "state": "st-1", "code_challenge": challenge,
                  "code_challenge_method": "S256", "nonce": "n-0S6"}
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    def issue_code(self, challenge: str | None = None, client_id: str = "web") -> str:
        """A code through the real pipeline, for a signed-in user."""
        cookie, _ = self.sessions.sign_in()
        params = self.valid_params(challenge or pkce_pair()[1], client_id=client_id)
        outcome = self.authorize(cookie=cookie, **params)
        return query_of(outcome.location)["code"]  # type: ignore[union-attr]


def make_settings() -> Settings:
    return Settings(_env_file=None, ISSUER=ISSUER, SECRET_KEY="k" * 40)  # type: ignore[call-arg]


def make_core(settings: Settings) -> Core:
    uow, sessions, clock = FakeUnitOfWork(), FakeSessions(), FakeClock()
    changes = FakeChanges(uow)
    return Core(build(settings, uow=uow, sessions=sessions, clock=clock, changes=changes), uow, sessions,
                clock, changes)
