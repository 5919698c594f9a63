"""Real PostgreSQL and Redis, the real servicer and HTTP app, and small in-memory gRPC
fakes of the authorization, identity and session services on port 0."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from authgate.authorization.v1 import authorization_pb2 as az
from authgate.authorization.v1 import authorization_pb2_grpc as az_grpc
from authgate.identity.v1 import identity_pb2 as idp
from authgate.identity.v1 import identity_pb2_grpc as idp_grpc
from authgate.session.v1 import session_pb2 as ss
from authgate.session.v1 import session_pb2_grpc as ss_grpc
from authgate_common.core.errors import InvalidClient, InvalidGrant, NotFound, TemporarilyUnavailable
from authgate_common.core.scope_catalog import SEEDED, Catalog
from authgate_common.grpc_server import create_server
from authgate_common.testing import REDIS_URL, postgres_database, redis_prefix
from fastapi.testclient import TestClient
from google.protobuf.timestamp_pb2 import Timestamp
from token_service.__main__ import start_jobs
from token_service.bootstrap import TokenService, bootstrap, migrate
from token_service.entrypoints.grpc_api import SERVICE_NAMES
from token_service.settings import Settings

ISSUER = "https://auth.example"
REDIRECT = "https://app.example/cb"


class FakeCatalogService(az_grpc.CatalogServiceServicer):
    """The scope catalogue (the authorization service's): the migration's seed until a
    test sets another."""

    def __init__(self) -> None:
        self.catalog: Catalog = Catalog(SEEDED.scopes, SEEDED.apis, revision=1)
        self.failing = False  # answer temporarily_unavailable, as a service that is down
        self.refused = 0

    def GetCatalog(self, request, context):  # noqa: N802
        if self.failing:
            self.refused += 1
            raise TemporarilyUnavailable()
        c = self.catalog
        return az.GetCatalogResponse(
            scopes=[az.Scope(name=s.name, description=s.description, api=s.api, claims=list(s.claims),
                             access_token_claims=list(s.access_token_claims), builtin=s.builtin)
                    for s in c.scopes],
            apis=[az.Api(name=a.name, audience=a.audience, description=a.description) for a in c.apis],
            revision=c.revision)


@dataclass
class Fakes(az_grpc.AuthorizationServiceServicer, idp_grpc.IdentityServiceServicer,
            ss_grpc.SessionServiceServicer):
    clients: dict[str, tuple[str, az.Client]] = field(default_factory=dict)
    codes: dict[str, az.Grant] = field(default_factory=dict)
    redeemed: set[str] = field(default_factory=set)
    live_sids: set[str] = field(default_factory=set)
    session_down: bool = False

    def AuthenticateClient(self, request, context):  # noqa: N802
        secret, client = self.clients.get(request.client_id, ("", None))
        if client is None or (client.client_type != "public" and secret != request.client_secret):
            raise InvalidClient()
        return az.AuthenticateClientResponse(client=client)

    def RedeemCode(self, request, context):  # noqa: N802
        grant = self.codes.get(request.code)
        if grant is None or grant.client_id != request.client_id:
            raise InvalidGrant()
        if request.code in self.redeemed:
            raise InvalidGrant(metadata={"authgate-replayed-grant-id": grant.grant_id})
        self.redeemed.add(request.code)
        return az.RedeemCodeResponse(grant=grant)

    def GetUserClaims(self, request, context):  # noqa: N802
        claims = {"sub": request.user_id}
        if "profile" in request.scopes:
            claims.update(name="Alice Liddell", preferred_username="alice")
        if "email" in request.scopes:
            claims.update(email="alice@example.com", email_verified=True)
        return idp.GetUserClaimsResponse(claims_json=json.dumps(claims))

    def GetSession(self, request, context):  # noqa: N802
        if self.session_down:
            context.abort(grpc.StatusCode.UNAVAILABLE, "session store down")
        if request.sid not in self.live_sids:
            raise NotFound()
        return ss.GetSessionResponse(session=ss.Session(sid=request.sid, user_id="u1"))

    def add_client(self, client_id: str, secret: str = "", public: bool = False,
                   grant_types: tuple[str, ...] = ("authorization_code",),
                   scopes: str = "openid profile email read", audiences: tuple[str, ...] = (),
                   admin: bool = False) -> None:
        self.clients[client_id] = (secret, az.Client(
            client_id=client_id, client_type="public" if public else "confidential",
            token_endpoint_auth_method="none" if public else "client_secret_basic",
            grant_types=list(grant_types), scopes=scopes.split(), audiences=list(audiences), admin=admin))

    def add_code(self, client_id: str, scopes: str = "openid profile email read") -> str:
        code, sid = secrets.token_urlsafe(16), "sid-" + secrets.token_hex(4)
        self.live_sids.add(sid)
        self.codes[code] = az.Grant(
            grant_id="g-" + secrets.token_hex(4), user_id="u1", sid=sid, scopes=scopes.split(),
            nonce="n-0S6", auth_time=Timestamp(seconds=int(time.time()) - 3), amr=["pwd"],
            client_id=client_id)
        return code


@dataclass
class Harness:
    service: TokenService
    fakes: Fakes
    http: TestClient
    grpc_target: str
    settings: Settings


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with postgres_database("token") as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Iterator[Settings]:
    with redis_prefix("token") as prefix:
        yield Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True,  # type: ignore[call-arg]
                       DATABASE_URL=database_url, REDIS_URL=REDIS_URL,
                       REDIS_KEY_PREFIX=prefix, ISSUER=ISSUER, SECRET_KEY=secrets.token_urlsafe(32),
                       SESSION_LIVENESS_MODE="rpc")


@pytest.fixture(scope="session")
def harness(settings: Settings) -> Iterator[Harness]:
    fakes = Fakes()
    fakes.catalog = FakeCatalogService()  # type: ignore[attr-defined]  # the scope catalogue
    fake_server, fake_port, _ = create_server(0, lambda s: (
        az_grpc.add_CatalogServiceServicer_to_server(fakes.catalog, s),  # type: ignore[attr-defined]
        az_grpc.add_AuthorizationServiceServicer_to_server(fakes, s),
        idp_grpc.add_IdentityServiceServicer_to_server(fakes, s),
        ss_grpc.add_SessionServiceServicer_to_server(fakes, s)), service_names=[], host="127.0.0.1")
    target = f"127.0.0.1:{fake_port}"
    wired = settings.model_copy(update={"AUTHORIZATION_GRPC_TARGET": target,
                                        "IDENTITY_GRPC_TARGET": target, "SESSION_GRPC_TARGET": target})
    migrate(wired)
    service = bootstrap(wired)
    server, port, _ = create_server(0, service.register, service_names=SERVICE_NAMES, host="127.0.0.1")
    try:
        with TestClient(service.http_app) as http:
            yield Harness(service, fakes, http, f"127.0.0.1:{port}", wired)
    finally:
        server.stop(None)
        fake_server.stop(None)
        service.close()


@pytest.fixture
def app_client(harness: Harness) -> tuple[str, str]:
    """A fresh confidential client registered for the code and refresh_token grants."""
    client_id, secret = "app-" + secrets.token_hex(4), secrets.token_urlsafe(32)
    harness.fakes.add_client(client_id, secret, grant_types=("authorization_code", "refresh_token"),
                             scopes="openid profile email read write")
    return client_id, secret


def sign_in(harness: Harness, client: tuple[str, str], scopes: str = "openid read write") -> dict:
    """A code exchange over HTTP, as the app does after the browser came back."""
    resp = harness.http.post("/api/v1/oauth/token", auth=client, data={
        "grant_type": "authorization_code", "code": harness.fakes.add_code(client[0], scopes),
        "redirect_uri": REDIRECT, "code_verifier": "v" * 43})
    assert resp.status_code == 200, resp.text
    return resp.json()


def refresh(harness: Harness, client: tuple[str, str], refresh_token: str, **extra: str):
    return harness.http.post("/api/v1/oauth/token", auth=client, data={
        "grant_type": "refresh_token", "refresh_token": refresh_token, **extra})


@pytest.fixture
def lifecycle():
    """sign_in and refresh helpers (test files cannot import conftest under importlib mode)."""
    return sign_in, refresh


@pytest.fixture
def grpc_channel(harness: Harness) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(harness.grpc_target) as ch:
        yield ch


@dataclass
class Replica:
    service: TokenService
    http: TestClient
    grpc_target: str
    settings: Settings


# Short lifetimes so a whole key lifecycle fits in a test (yet slack enough for a loaded
# machine): a next key may sign 3 + 0.2 s after it was published, a retired key leaves
# the JWKS 6 + 0 + 0.2 s after it stopped signing.
ROTATION_SETTINGS = {"ACCESS_TOKEN_EXPIRE_SECONDS": 6, "ID_TOKEN_EXPIRE_SECONDS": 6,
                     "CLOCK_SKEW_SECONDS": 0, "JWKS_CACHE_SECONDS": 3,
                     "SIGNING_KEY_REFRESH_SECONDS": 0.2}


@contextmanager
def running_replicas(harness: Harness, **overrides: Any) -> Iterator[tuple[Replica, Replica]]:
    """Two token-service replicas (two bootstrap()s with `serve`'s background jobs and
    listeners, start_jobs) on a fresh database of their own, sharing Redis and the
    harness's fake authorization, identity and session services."""
    with postgres_database("tokenkeys") as url:
        # No ext_authz HTTP listener: both would bind the one port.
        settings = harness.settings.model_copy(update={"DATABASE_URL": url, "TOKEN_AUTHZ_PORT": 0,
                                                       **overrides})
        migrate(settings)
        started: list[tuple[Replica, grpc.Server, Callable[[], None], TestClient]] = []
        try:
            for _ in range(2):
                service = bootstrap(settings)
                server, port, _ = create_server(0, service.register, service_names=SERVICE_NAMES,
                                                host="127.0.0.1")
                stop_jobs = start_jobs(settings, service)
                http = TestClient(service.http_app).__enter__()
                replica = Replica(service, http, f"127.0.0.1:{port}", settings)
                started.append((replica, server, stop_jobs, http))
            yield started[0][0], started[1][0]
        finally:
            for replica, server, stop_jobs, http in started:
                stop_jobs()
                http.__exit__(None, None, None)
                server.stop(None)
                replica.service.close()


@pytest.fixture
def start_replicas(harness: Harness) -> Callable[..., Any]:
    """`with start_replicas(**settings) as (a, b):` two replicas with these settings."""
    return lambda **overrides: running_replicas(harness, **overrides)


@pytest.fixture
def replicas(harness: Harness) -> Iterator[tuple[Replica, Replica]]:
    """Two replicas with short key lifetimes (ROTATION_SETTINGS)."""
    with running_replicas(harness, **ROTATION_SETTINGS) as pair:
        yield pair
