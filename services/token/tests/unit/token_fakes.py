"""Fakes of the ports (in-memory), a token service core wired on them, and the calls an app makes."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from authgate_common.core.audit import AuditEvent, MemoryAuditTrail
from authgate_common.core.errors import (
    InvalidClient,
    InvalidGrant,
    InvalidToken,
    NotFound,
    TemporarilyUnavailable,
)
from authgate_common.core.kv import MemoryStore
from token_service.adapters.deny_list import MemoryDenyList
from token_service.bootstrap import TokenService, build, key_policy
from token_service.domain.keys.key_ring import KeyRing
from token_service.domain.keys.key_rotation import KeyRotation
from token_service.domain.keys.key_set import KeyConflict, KeySet, StoredKey
from token_service.domain.keys.signing_keys import SigningKeys
from token_service.domain.ports import Client, RedeemedGrant
from token_service.domain.refresh.refresh_store import RefreshFamily, RefreshToken
from token_service.domain.revocation.jti_record import ClientRevocation, IssuedJti, JtiEntry
from token_service.domain.scopes import FixedCatalog
from token_service.entrypoints.form_request import form_request
from token_service.settings import Settings

ISSUER = "https://auth.example"


class FakeAuthorization:
    def __init__(self) -> None:
        self.clients: dict[str, tuple[str, Client]] = {}
        self.codes: dict[str, tuple[RedeemedGrant, str, str]] = {}
        self.redeemed: set[str] = set()

    def add_client(self, client: Client, secret: str = "") -> Client:
        self.clients[client.client_id] = (secret, client)
        return client

    def add_code(self, code: str, grant: RedeemedGrant, redirect_uri: str, verifier: str = "v") -> None:
        self.codes[code] = (grant, redirect_uri, verifier)

    def authenticate_client(self, client_id: str, client_secret: str, *, client_assertion_type: str = "",
                            client_assertion: str = "") -> Client:
        if client_assertion:  # the authorization service verifies assertions; here: "good:<id>"
            client_id, _, _ = client_assertion.removeprefix("good:").partition(".")
            if not client_assertion.startswith("good:") or client_id not in self.clients:
                raise InvalidClient()
            return self.clients[client_id][1]
        secret, client = self.clients.get(client_id, ("", None))  # type: ignore[assignment]
        if client is None or (not client.is_public and secret != client_secret):
            raise InvalidClient()
        return client

    def redeem_code(self, code: str, client_id: str, redirect_uri: str, code_verifier: str) -> RedeemedGrant:
        if code not in self.codes:
            raise InvalidGrant()
        grant, uri, verifier = self.codes[code]
        if code in self.redeemed:
            raise InvalidGrant(metadata={"authgate-replayed-grant-id": grant.grant_id})
        self.redeemed.add(code)
        if grant.client_id != client_id or uri != redirect_uri or verifier != code_verifier:
            raise InvalidGrant()
        return grant


@dataclass
class FakeIdentity:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    named: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # the `claims` asked for

    def user_claims(self, user_id: str, scopes: Sequence[str], claims: Sequence[str] = ()) -> dict[str, Any]:
        self.calls.append((user_id, tuple(scopes)))
        self.named.append((user_id, tuple(claims)))
        if user_id not in self.users:
            raise NotFound()
        user = self.users[user_id]
        found: dict[str, Any] = {"sub": user_id}
        if "profile" in scopes:
            found.update(name=user["name"], preferred_username=user["username"])
        if "email" in scopes:
            found.update(email=user["email"], email_verified=True)
        found.update({name: user[name] for name in claims if name in user})
        return found


@dataclass
class FakeSessions:
    alive: set[str] = field(default_factory=set)
    unavailable: bool = False

    def is_alive(self, sid: str) -> bool:
        if self.unavailable:
            raise TemporarilyUnavailable()
        return sid in self.alive


class FakeJtiRecord:
    """In-memory issued_jtis and revoked_jtis with the same contract as the SQL repository."""

    def __init__(self, issued: dict[str, IssuedJti], revoked: dict[str, tuple[JtiEntry, datetime]],
                 clients: dict[str, ClientRevocation] | None = None) -> None:
        self.issued, self.revoked_rows = issued, revoked
        self.clients = {} if clients is None else clients

    def add_issued(self, issued: IssuedJti) -> None:
        assert issued.jti not in self.issued
        self.issued[issued.jti] = issued

    def of_grant(self, grant_id: str, now: datetime) -> list[JtiEntry]:
        return [JtiEntry(i.jti, i.expires_at) for i in self.issued.values()
                if i.grant_id == grant_id and i.expires_at > now]

    def of_family(self, family_id: str, now: datetime) -> list[JtiEntry]:
        return [JtiEntry(i.jti, i.expires_at) for i in self.issued.values()
                if family_id and i.family_id == family_id and i.expires_at > now]

    def revoke(self, entries: Sequence[JtiEntry], now: datetime) -> None:
        for entry in entries:
            self.revoked_rows.setdefault(entry.jti, (entry, now))

    def revoked(self, now: datetime, *, since: datetime | None = None, after: str = "",
                limit: int = 1000) -> list[JtiEntry]:
        rows = sorted((e for e, at in self.revoked_rows.values()
                       if e.expires_at > now and e.jti > after and (since is None or at >= since)),
                      key=lambda e: e.jti)
        return rows[:limit]

    def revoke_client(self, revocation: ClientRevocation) -> None:
        self.clients[revocation.client_id] = revocation

    def revoked_clients(self, now: datetime, *, since: datetime | None = None) -> list[ClientRevocation]:
        return [c for c in self.clients.values()
                if c.expires_at > now and (since is None or c.revoked_at >= since)]

    def purge(self, before: datetime, limit: int) -> int:
        self.clients = {k: c for k, c in self.clients.items() if c.expires_at >= before}
        issued = [j for j, i in self.issued.items() if i.expires_at < before][:limit]
        revoked = [j for j, (e, _at) in self.revoked_rows.items()
                   if e.expires_at < before][:limit - len(issued)]
        for j in issued:
            del self.issued[j]
        for j in revoked:
            del self.revoked_rows[j]
        return len(issued) + len(revoked)


class FakeRefreshRepository:
    """In-memory refresh tables with the same contract as the SQL repository."""

    def __init__(self, families: dict[str, RefreshFamily], tokens: dict[str, RefreshToken],
                 audit_rows: list[tuple[datetime, AuditEvent]], jtis: FakeJtiRecord) -> None:
        self.families, self.tokens, self.audit_rows = families, tokens, audit_rows
        self.jtis = jtis

    def add_family(self, family: RefreshFamily) -> None:
        self.families[family.family_id] = family

    def add_token(self, token: RefreshToken) -> None:
        assert token.token_hash not in self.tokens
        self.tokens[token.token_hash] = token

    def consume(self, token_hash: str, client_id: str, now: datetime) -> RefreshToken | None:
        token = self.tokens.get(token_hash)
        if token is None or token.client_id != client_id or not token.is_live(now):
            return None
        self.tokens[token_hash] = replace(token, used_at=now)
        return self.tokens[token_hash]

    def get_token(self, token_hash: str, *, lock: bool = False) -> RefreshToken | None:
        return self.tokens.get(token_hash)

    def get_family(self, family_id: str, *, lock: bool = False) -> RefreshFamily | None:
        return self.families.get(family_id)

    def live_child(self, parent_hash: str, *, lock: bool = False) -> RefreshToken | None:
        children = [t for t in self.tokens.values() if t.parent_hash == parent_hash and t.revoked_at is None]
        return children[-1] if children else None

    def revoke_token(self, token_hash: str, now: datetime) -> None:
        self.tokens[token_hash] = replace(self.tokens[token_hash], revoked_at=now)

    def revoke_family(self, family_id: str, reason: str, now: datetime) -> bool:
        for h, t in list(self.tokens.items()):
            if t.family_id == family_id and t.revoked_at is None:
                self.tokens[h] = replace(t, revoked_at=now)
        family = self.families[family_id]
        if family.revoked_at is not None:
            return False
        self.families[family_id] = replace(family, revoked_at=now, revoked_reason=reason)
        return True

    def families_of_grant(self, grant_id: str) -> list[str]:
        return [f.family_id for f in self.families.values() if f.grant_id == grant_id and not f.revoked_at]

    def families_of_client_user(self, client_id: str, user_id: str) -> list[str]:
        return [f.family_id for f in self.families.values()
                if f.client_id == client_id and (not user_id or f.user_id == user_id) and not f.revoked_at]

    def audit(self, event: AuditEvent, now: datetime) -> None:
        self.audit_rows.append((now, event))

    def delete_stale(self, cutoff: datetime, limit: int) -> int:
        stale = [h for h, t in self.tokens.items()
                 if t.expires_at < cutoff or (t.revoked_at and t.revoked_at < cutoff)][:limit]
        for h in stale:
            del self.tokens[h]
        used = {t.family_id for t in self.tokens.values()}
        families = [f for f, fam in self.families.items() if f not in used and (
            fam.created_at < cutoff or (fam.revoked_at and fam.revoked_at < cutoff))][:limit - len(stale)]
        for f in families:
            del self.families[f]
        return len(stale) + len(families)


class FakeRefreshStore:
    """One transaction at a time (like SQLite); an exception rolls every change back."""

    def __init__(self) -> None:
        self.families: dict[str, RefreshFamily] = {}
        self.tokens: dict[str, RefreshToken] = {}
        self.audit_rows: list[tuple[datetime, AuditEvent]] = []
        self.issued: dict[str, IssuedJti] = {}
        self.revoked: dict[str, tuple[JtiEntry, datetime]] = {}
        self.revoked_clients: dict[str, ClientRevocation] = {}
        self.unavailable = False  # the database is down
        self._lock = threading.Lock()

    @contextmanager
    def __call__(self) -> Iterator[FakeRefreshRepository]:
        if self.unavailable:
            raise TemporarilyUnavailable(detail="database unavailable")
        with self._lock:
            repo = FakeRefreshRepository(dict(self.families), dict(self.tokens), list(self.audit_rows),
                                         FakeJtiRecord(dict(self.issued), dict(self.revoked),
                                                       dict(self.revoked_clients)))
            yield repo
            self.families, self.tokens, self.audit_rows = repo.families, repo.tokens, repo.audit_rows
            self.issued, self.revoked = repo.jtis.issued, repo.jtis.revoked_rows
            self.revoked_clients = repo.jtis.clients

    def events(self) -> list[str]:
        """The refresh events recorded: their audit types, without the `token.` prefix."""
        return [e.type.removeprefix("token.") for _at, e in self.audit_rows]


class FakeKeyRepository:
    """Enforces what the table does: unique kids, at most one current key."""

    def __init__(self, store: FakeKeyStore, keys: dict[str, StoredKey]) -> None:
        self._store = store
        self.keys = keys
        self.audit = store.audit

    def lock(self) -> None:
        self._store.locks += 1

    def list_keys(self) -> list[StoredKey]:
        return sorted(self.keys.values(), key=lambda k: (k.created_at, k.kid))

    def add(self, key: StoredKey) -> None:
        if key.kid in self.keys:
            raise KeyConflict()
        self.keys[key.kid] = key
        self._one_current()

    def set_state(self, kid: str, state: str, *, activated_at: datetime | None = None,
                  retired_at: datetime | None = None) -> None:
        key = self.keys[kid]
        self.keys[kid] = replace(key, state=state, activated_at=activated_at or key.activated_at,
                                 retired_at=retired_at or key.retired_at)
        self._one_current()

    def delete(self, kid: str) -> None:
        del self.keys[kid]

    def _one_current(self) -> None:
        if sum(k.state == "current" for k in self.keys.values()) > 1:
            raise KeyConflict()


class FakeKeyStore:
    """The signing_keys table: one transaction at a time; an exception rolls back."""

    def __init__(self, keys: Sequence[StoredKey] = ()) -> None:
        self.keys = {k.kid: k for k in keys}
        self.locks = 0
        self.audit = MemoryAuditTrail()  # every event, committed or not
        self._lock = threading.Lock()

    @contextmanager
    def __call__(self) -> Iterator[FakeKeyRepository]:
        with self._lock:
            repo = FakeKeyRepository(self, dict(self.keys))
            yield repo
            self.keys = repo.keys

    def states(self) -> dict[str, str]:
        return {k.kid: k.state for k in self.keys.values()}


@dataclass
class World:
    service: TokenService
    authorization: FakeAuthorization
    identity: FakeIdentity
    sessions: FakeSessions
    store: MemoryStore
    keys: KeySet
    refresh_store: FakeRefreshStore
    deny_list: MemoryDenyList  # Redis: flush() is what a restart without persistence does
    # The scope catalogue the service reads (the migration's seed; set .catalog to change it).
    catalog: FixedCatalog = field(default_factory=FixedCatalog)

    def accepts(self, access_token: str) -> bool:
        """Whether the validator still accepts the token (it is not revoked, nor expired)."""
        try:
            self.service.validator.validate(access_token)
        except InvalidToken:
            return False
        return True


def make_world(keys: KeySet, signing_key: StoredKey, signing_keys: SigningKeys | None = None,
               **settings_overrides: Any) -> World:
    settings = Settings(_env_file=None, ISSUER=ISSUER + "/",  # type: ignore[call-arg]
                        **{"SECRET_KEY": secrets.token_urlsafe(32), **settings_overrides})
    authorization, identity, sessions = FakeAuthorization(), FakeIdentity(), FakeSessions()
    store, refresh_store, deny_list = MemoryStore("token:"), FakeRefreshStore(), MemoryDenyList()
    # The key set is parsed once per session; the store holds the key it was built from.
    signing_keys = signing_keys or SigningKeys(
        KeyRotation(FakeKeyStore([signing_key]), key_policy(settings)), KeyRing(keys))
    service = build(settings, signing_keys=signing_keys, store=store, deny_list=deny_list,
                    clients=authorization, codes=authorization, identity=identity, sessions=sessions,
                    refresh_uow=refresh_store, catalog=(catalog := FixedCatalog()))
    service.keeper.ensure_complete()  # as bootstrap() does
    identity.users["u1"] = {"name": "Alice", "username": "alice", "email": "alice@example.com"}
    sessions.alive.add("sid-1")
    authorization.add_client(Client("web", grant_types=("authorization_code",),
                                    scopes=("openid", "profile", "email", "read")), "s3cret")
    return World(service, authorization, identity, sessions, store, keys, refresh_store, deny_list, catalog)


def grant(grant_id: str = "g1", scopes: tuple[str, ...] = ("openid", "profile", "email", "read"),
          client_id: str = "web", **kw: Any) -> RedeemedGrant:
    defaults: dict[str, Any] = dict(user_id="u1", sid="sid-1", nonce="n-1",
                                    auth_time=int(time.time()) - 5, amr=("pwd",))
    defaults.update(kw)
    return RedeemedGrant(grant_id=grant_id, client_id=client_id, scopes=scopes, **defaults)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


FORM = "application/x-www-form-urlencoded"


CODE_REDIRECT = "https://app/cb"


def basic(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: id and secret are form-urlencoded before going into Basic."""
    pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def form(params: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(params).encode()


Auth = tuple[str, str] | str  # (client_id, secret) as Basic, or a public client's client_id


@dataclass
class Calls:
    """The three client-authenticated endpoints as an app calls them (form + Basic)."""

    world: World
    auth: Auth = ("app", "app-secret")
    redirect_uri: str = CODE_REDIRECT

    def _send(self, handle, params: dict[str, str], auth: Auth | None):
        auth = auth or self.auth
        if isinstance(auth, str):
            return handle(form_request(FORM, form({**params, "client_id": auth}), None))
        return handle(form_request(FORM, form(params), basic(*auth)))

    def token(self, params: dict[str, str], auth: Auth | None = None):
        return self._send(self.world.service.token_endpoint.handle, params, auth)

    def revoke(self, token: str, auth: Auth | None = None, **extra: str) -> None:
        self._send(self.world.service.revocation.handle, {"token": token, **extra}, auth)

    def introspect(self, token: str, auth: Auth | None = None, **extra: str) -> dict[str, Any]:
        return self._send(self.world.service.introspection.handle, {"token": token, **extra}, auth)

    def add_code(self, scopes: tuple[str, ...], client_id: str, sid: str) -> str:
        code = "code-" + secrets.token_hex(6)
        self.world.authorization.add_code(code, grant(code + "-grant", scopes, client_id, sid=sid),
                                          CODE_REDIRECT)
        return code

    def exchange(self, code: str, auth: Auth | None = None):
        return self.token({"grant_type": "authorization_code", "code": code,
                           "redirect_uri": CODE_REDIRECT, "code_verifier": "v"}, auth)

    def sign_in(self, scopes: tuple[str, ...] = ("openid", "read", "write"), client_id: str = "app",
                sid: str = "sid-1", auth: Auth | None = None):
        return self.exchange(self.add_code(scopes, client_id, sid), auth)

    def refresh(self, refresh_token: str, auth: Auth | None = None, **extra: str):
        return self.token({"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}, auth)


def add_lifecycle_clients(world: World) -> None:
    az = world.authorization
    az.add_client(Client("app", grant_types=("authorization_code", "refresh_token"),
                         scopes=("openid", "profile", "email", "read", "write")), "app-secret")
    az.add_client(Client("other", grant_types=("authorization_code", "refresh_token"),
                         scopes=("openid", "read", "write")), "other-secret")
    az.add_client(Client("spa", client_type="public", token_endpoint_auth_method="none",
                         grant_types=("authorization_code", "refresh_token"), scopes=("openid", "read")))
    az.add_client(Client("svc", grant_types=("client_credentials",),
                         scopes=("openid", "profile", "read", "write"), audiences=("https://api.example",)),
                  "svc-secret")
    az.add_client(Client("api", grant_types=("client_credentials",), scopes=("read",)), "api-secret")


class Seconds:
    """A settable clock in seconds, for time.time or time.monotonic; `sleep` moves it on."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class DownStore(MemoryStore):
    """The key-value store unreachable (what FailClosedStore raises for a Redis outage)."""

    def get(self, key: str) -> str | None:
        raise TemporarilyUnavailable()

    def incr(self, key: str, ttl_seconds: int) -> int:
        raise TemporarilyUnavailable()


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
