"""Real PostgreSQL, the real servicer and HTTP app, and a small in-memory SessionService
on port 0 standing in for the session service (the real one lives elsewhere)."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from authgate.authorization.v1 import authorization_pb2 as az
from authgate.authorization.v1 import authorization_pb2_grpc as az_grpc
from authgate.session.v1 import session_pb2_grpc as ss_grpc
from authgate_common.grpc_server import create_server
from authgate_common.testing import postgres_database
from authorization_service.bootstrap import AuthorizationService, bootstrap, migrate
from authorization_service.entrypoints.grpc_api import SERVICE_NAME
from authorization_service.settings import Settings
from fastapi.testclient import TestClient

# For authorization_peer_fakes, and the unit tests' fakes' helpers (tests have no package).
sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent.parent / "unit")]
from authorization_fakes import pkce_pair, query_of  # noqa: E402
from authorization_peer_fakes import FakeSessionService  # noqa: E402

ISSUER = "https://auth.example"


@dataclass
class Harness:
    service: AuthorizationService
    sessions: FakeSessionService
    http: TestClient
    grpc_target: str
    settings: Settings
    pkce_pair = staticmethod(pkce_pair)
    query = staticmethod(query_of)

    def stub(self, ch: grpc.Channel) -> az_grpc.AuthorizationServiceStub:
        return az_grpc.AuthorizationServiceStub(ch)

    def client(self, ch: grpc.Channel, **fields) -> tuple[az.Client, str]:
        cid = "c" + secrets.token_hex(5)
        msg = dict(client_id=cid, redirect_uris=[f"https://app.example/{cid}/cb"],
                   scopes=["openid", "profile", "read"], grant_types=["authorization_code"],
                   client_type="confidential", first_party=True)
        msg.update(fields)
        resp = self.stub(ch).CreateClient(az.CreateClientRequest(client=az.Client(**msg)))
        return resp.client, resp.client_secret

    def code(self, client: az.Client, challenge: str, **params: str) -> str:
        cookie, _ = self.sessions.sign_in()
        query = {"response_type": "code", "client_id": client.client_id,
                 "redirect_uri": client.redirect_uris[0], "scope": "openid read", "state": "s",
                 "code_challenge": challenge, "code_challenge_method": "S256", **params}
        resp = self.http.get("/api/v1/oauth/authorize", params=query,
                             headers={"cookie": f"__Host-sso_session={cookie}"})
        assert resp.status_code == 302, resp.text
        return query_of(resp.headers["location"])["code"]


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with postgres_database("authorization") as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True, DATABASE_URL=database_url, ISSUER=ISSUER,  # type: ignore[call-arg]
                    SECRET_KEY=secrets.token_urlsafe(32))


@pytest.fixture(scope="session")
def harness(settings: Settings) -> Iterator[Harness]:
    sessions = FakeSessionService()
    fake_server, fake_port, _ = create_server(
        0, lambda s: ss_grpc.add_SessionServiceServicer_to_server(sessions, s),
        service_names=[], host="127.0.0.1")
    wired = settings.model_copy(update={"SESSION_GRPC_TARGET": f"127.0.0.1:{fake_port}"})
    migrate(wired)
    service = bootstrap(wired)
    server, port, _ = create_server(0, service.register, service_names=[SERVICE_NAME], host="127.0.0.1")
    try:
        with TestClient(service.http_app, follow_redirects=False) as http:
            yield Harness(service, sessions, http, f"127.0.0.1:{port}", wired)
    finally:
        server.stop(None)
        fake_server.stop(None)
        service.close()


@pytest.fixture
def grpc_channel(harness: Harness) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(harness.grpc_target) as ch:
        yield ch
