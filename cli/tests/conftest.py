"""Fake services on port 0, and `run`: the CLI in-process with its exit code and output."""

from __future__ import annotations

import io
import json
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from authgate.authorization.v1 import authorization_pb2_grpc
from authgate.identity.v1 import identity_pb2_grpc
from authgate.session.v1 import session_pb2_grpc
from authgate.token.v1 import token_pb2_grpc
from authgate_cli.main import main
from authgate_common.grpc_server import create_server

sys.path.insert(0, str(Path(__file__).parent))  # for cli_fakes (tests have no package)
from cli_fakes import FakeAuthorization, FakeIdentity, FakeSession, FakeToken  # noqa: E402


@dataclass
class Services:
    identity: FakeIdentity
    authorization: FakeAuthorization
    identity_target: str
    authorization_target: str


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No developer `.env` or exported target may leak into a test."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "IDENTITY_GRPC_TARGET",
        "AUTHORIZATION_GRPC_TARGET",
        "TOKEN_GRPC_TARGET",
        "SESSION_GRPC_TARGET",
        "GRPC_CLIENT_TIMEOUT_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def services(monkeypatch) -> Iterator[Services]:
    identity, authorization = FakeIdentity(), FakeAuthorization()
    id_server, id_port, _ = create_server(
        0,
        lambda s: identity_pb2_grpc.add_IdentityServiceServicer_to_server(identity, s),
        service_names=[],
        host="127.0.0.1",
        max_workers=4,
    )
    az_server, az_port, _ = create_server(
        0,
        lambda s: authorization_pb2_grpc.add_AuthorizationServiceServicer_to_server(authorization, s),
        service_names=[],
        host="127.0.0.1",
        max_workers=4,
    )
    svc = Services(identity, authorization, f"127.0.0.1:{id_port}", f"127.0.0.1:{az_port}")
    monkeypatch.setenv("IDENTITY_GRPC_TARGET", svc.identity_target)
    monkeypatch.setenv("AUTHORIZATION_GRPC_TARGET", svc.authorization_target)
    yield svc
    id_server.stop(grace=None)
    az_server.stop(grace=None)


@dataclass
class TokenFake:
    servicer: FakeToken
    target: str


@dataclass
class SessionFake:
    servicer: FakeSession
    target: str


def _serve(monkeypatch, servicer, add, env: str):  # type: ignore[no-untyped-def]
    """One fake gRPC service on a free port, its target in `env`: (server, target)."""
    server, port, _ = create_server(0, lambda s: add(servicer, s), service_names=[], host="127.0.0.1",
                                    max_workers=4)
    target = f"127.0.0.1:{port}"
    monkeypatch.setenv(env, target)
    return server, target


@pytest.fixture
def token_service(monkeypatch) -> Iterator[TokenFake]:
    servicer = FakeToken()
    server, target = _serve(monkeypatch, servicer, token_pb2_grpc.add_TokenServiceServicer_to_server,
                            "TOKEN_GRPC_TARGET")
    yield TokenFake(servicer, target)
    server.stop(grace=None)


@pytest.fixture
def session_service(monkeypatch) -> Iterator[SessionFake]:
    servicer = FakeSession()
    server, target = _serve(monkeypatch, servicer, session_pb2_grpc.add_SessionServiceServicer_to_server,
                            "SESSION_GRPC_TARGET")
    yield SessionFake(servicer, target)
    server.stop(grace=None)


@pytest.fixture
def run(capsys, monkeypatch):
    def _run(*argv: str, stdin: str = "", tty: bool = False) -> Result:
        fake_stdin = io.StringIO(stdin)
        fake_stdin.isatty = lambda: tty  # type: ignore[method-assign]
        monkeypatch.setattr(sys, "stdin", fake_stdin)
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run


@pytest.fixture
def dead_target() -> str:
    """An address where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"127.0.0.1:{port}"
