"""Fakes of the ports (in-memory) and a token service core wired on them."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from authgate_common.errors import InvalidClient, InvalidGrant, NotFound, TemporarilyUnavailable
from authgate_common.kv import MemoryStore
from token_service.bootstrap import TokenService, build
from token_service.domain.keys import KeySet, generate_signing_key
from token_service.domain.ports import Client, RedeemedGrant
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

    def authenticate_client(self, client_id: str, client_secret: str) -> Client:
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

    def user_claims(self, user_id: str, scopes: Sequence[str]) -> dict[str, Any]:
        self.calls.append((user_id, tuple(scopes)))
        if user_id not in self.users:
            raise NotFound()
        user = self.users[user_id]
        claims: dict[str, Any] = {"sub": user_id}
        if "profile" in scopes:
            claims.update(name=user["name"], preferred_username=user["username"])
        if "email" in scopes:
            claims.update(email=user["email"], email_verified=True)
        return claims


@dataclass
class FakeSessions:
    alive: set[str] = field(default_factory=set)
    unavailable: bool = False

    def is_alive(self, sid: str) -> bool:
        if self.unavailable:
            raise TemporarilyUnavailable()
        return sid in self.alive


@dataclass
class World:
    service: TokenService
    authorization: FakeAuthorization
    identity: FakeIdentity
    sessions: FakeSessions
    store: MemoryStore
    keys: KeySet


@pytest.fixture(scope="session")
def keys() -> KeySet:
    return KeySet([generate_signing_key(datetime.now(UTC))])


@pytest.fixture(scope="session")
def other_keys() -> KeySet:
    return KeySet([generate_signing_key(datetime.now(UTC))])


@pytest.fixture
def world(keys: KeySet) -> World:
    settings = Settings(_env_file=None, ISSUER=ISSUER + "/")  # type: ignore[call-arg]
    authorization, identity, sessions = FakeAuthorization(), FakeIdentity(), FakeSessions()
    store = MemoryStore("token:")
    service = build(settings, keys=keys, store=store, authorization=authorization,
                    identity=identity, sessions=sessions)
    identity.users["u1"] = {"name": "Alice", "username": "alice", "email": "alice@example.com"}
    sessions.alive.add("sid-1")
    authorization.add_client(Client("web", grant_types=("authorization_code",),
                                    scopes=("openid", "profile", "email", "read")), "s3cret")
    return World(service, authorization, identity, sessions, store, keys)


def grant(grant_id: str = "g1", scopes: tuple[str, ...] = ("openid", "profile", "email", "read"),
          client_id: str = "web", **kw: Any) -> RedeemedGrant:
    defaults: dict[str, Any] = dict(user_id="u1", sid="sid-1", nonce="n-1",
                                    auth_time=int(time.time()) - 5, amr=("pwd",))
    defaults.update(kw)
    return RedeemedGrant(grant_id=grant_id, client_id=client_id, scopes=scopes, **defaults)


@pytest.fixture
def make_grant():  # type: ignore[no-untyped-def]
    return grant


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


@pytest.fixture
def forge_token():  # type: ignore[no-untyped-def]
    """Build a compact JWS with any header and claims, signed by the given function."""
    return forge
