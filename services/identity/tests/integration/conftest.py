"""Real PostgreSQL, the real identity servicer and HTTP app, and tiny in-memory
SessionService and TokenService (ValidateToken) on port 0 standing in for their services."""

from __future__ import annotations

import secrets
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from authgate.audit.v1 import audit_pb2_grpc
from authgate.identity.v1 import identity_pb2 as pb
from authgate.identity.v1 import identity_pb2_grpc as pb_grpc
from authgate.session.v1 import session_pb2_grpc as ss_grpc
from authgate.token.v1 import token_pb2_grpc
from authgate_common.grpc_server import create_server
from authgate_common.testing import postgres_database
from fastapi.testclient import TestClient
from identity_service.bootstrap import IdentityService, bootstrap, migrate
from identity_service.entrypoints.grpc_api import SERVICE_NAME
from identity_service.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))  # for identity_peer_fakes (tests have no package)
from identity_peer_fakes import FakeSessionService, FakeTokenService  # noqa: E402

PASSWORD = "correct horse battery"


@dataclass
class Harness:
    service: IdentityService
    sessions: FakeSessionService
    http: TestClient
    stub: pb_grpc.IdentityServiceStub
    settings: Settings
    password: str = PASSWORD  # what harness.user() sets
    audit: audit_pb2_grpc.AuditServiceStub | None = None
    tokens: FakeTokenService | None = None

    def user(self, password: str = PASSWORD, **fields: object) -> pb.User:
        """A fresh user with a unique name; the database is shared by the whole session."""
        name = str(fields.pop("username", "u" + uuid.uuid4().hex[:10]))
        request = pb.CreateUserRequest(username=name, email=f"{name}@example.com", password=password,
                                       **fields)  # type: ignore[arg-type]
        return self.stub.CreateUser(request, timeout=10).user


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with postgres_database("identity") as url:
        yield url


@pytest.fixture(scope="session")
def harness(database_url: str) -> Iterator[Harness]:
    sessions, tokens = FakeSessionService(), FakeTokenService()

    def register_fakes(server: grpc.Server) -> None:
        ss_grpc.add_SessionServiceServicer_to_server(sessions, server)
        token_pb2_grpc.add_TokenServiceServicer_to_server(tokens, server)

    fake_server, fake_port, _ = create_server(0, register_fakes, service_names=[], host="127.0.0.1")
    fakes = f"127.0.0.1:{fake_port}"
    settings = Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True,  # type: ignore[call-arg]
                        DATABASE_URL=database_url, BCRYPT_ROUNDS=4, SECRET_KEY=secrets.token_urlsafe(32),
                        SESSION_GRPC_TARGET=fakes, TOKEN_GRPC_TARGET=fakes)
    migrate(settings)
    service = bootstrap(settings)
    server, port, _ = create_server(0, service.register, service_names=[SERVICE_NAME], host="127.0.0.1")
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        with TestClient(service.http_app) as http:
            yield Harness(service, sessions, http, pb_grpc.IdentityServiceStub(channel), settings,
                          audit=audit_pb2_grpc.AuditServiceStub(channel), tokens=tokens)
    finally:
        channel.close()
        server.stop(None)
        fake_server.stop(None)
        service.close()
