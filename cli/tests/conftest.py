"""Fake services on port 0, and `run`: the CLI in-process with its exit code and output.

The fakes listen as the services' operator listeners do: mutual TLS with their workload's
certificate from a test CA, and the services' real allow-lists on the operator plane, so
only the `operator` certificate the CLI is pointed at (AUTHGATE_CA/CERT/KEY) gets in.
"""

from __future__ import annotations

import io
import json
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from authgate.authorization.v1 import authorization_pb2_grpc
from authgate.identity.v1 import identity_pb2_grpc
from authgate.session.v1 import session_pb2_grpc
from authgate.token.v1 import token_pb2_grpc
from authgate_cli.main import main
from authgate_common import pki
from authgate_common.grpc_access import INTERNAL

sys.path.insert(0, str(Path(__file__).parent))  # for cli_fakes (tests have no package)
from cli_fakes import FakeAuthorization, FakeIdentity, FakeSession, FakeToken  # noqa: E402
from cli_listeners import serve, use_certificate  # noqa: E402


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


@pytest.fixture(scope="session")
def pki_root(tmp_path_factory) -> Path:
    """A test CA and every workload's certificate (authgate_common.pki), made once."""
    root = tmp_path_factory.mktemp("pki")
    pki.ensure_dev_pki(root)
    return root


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path, pki_root):
    """No developer `.env` or exported target may leak into a test; the operator's
    certificate of the test CA is the CLI's."""
    monkeypatch.chdir(tmp_path)
    for name in (
        *(f"{s.upper()}_{kind}_TARGET" for s in pki.SERVICES for kind in ("OPERATOR", "GRPC")),
        "GRPC_CLIENT_TIMEOUT_SECONDS",
        "VAR_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    use_certificate(monkeypatch, pki_root / "operator")


@pytest.fixture
def services(monkeypatch, pki_root) -> Iterator[Services]:
    identity, authorization = FakeIdentity(), FakeAuthorization()
    id_server, id_target = serve(
        pki_root, "identity", lambda s: identity_pb2_grpc.add_IdentityServiceServicer_to_server(identity, s)
    )
    az_server, az_target = serve(
        pki_root,
        "authorization",
        lambda s: authorization_pb2_grpc.add_AuthorizationServiceServicer_to_server(authorization, s),
    )
    svc = Services(identity, authorization, id_target, az_target)
    monkeypatch.setenv("IDENTITY_OPERATOR_TARGET", svc.identity_target)
    monkeypatch.setenv("AUTHORIZATION_OPERATOR_TARGET", svc.authorization_target)
    yield svc
    id_server.stop(grace=None)
    az_server.stop(grace=None)


@pytest.fixture
def internal_identity(pki_root) -> Iterator[str]:
    """A fake identity service's internal listener (which refuses the operator): its target."""
    server, target = serve(
        pki_root,
        "identity",
        lambda s: identity_pb2_grpc.add_IdentityServiceServicer_to_server(FakeIdentity(), s),
        plane=INTERNAL,
    )
    yield target
    server.stop(grace=None)


@dataclass
class Fake:
    servicer: Any
    target: str


def _serve(monkeypatch, pki_root, workload, servicer, add) -> Iterator[Fake]:
    """One fake gRPC service's operator listener, its target in `<WORKLOAD>_OPERATOR_TARGET`."""
    server, target = serve(pki_root, workload, lambda s: add(servicer, s))
    monkeypatch.setenv(f"{workload.upper()}_OPERATOR_TARGET", target)
    yield Fake(servicer, target)
    server.stop(grace=None)


@pytest.fixture
def token_service(monkeypatch, pki_root) -> Iterator[Fake]:
    add = token_pb2_grpc.add_TokenServiceServicer_to_server
    yield from _serve(monkeypatch, pki_root, "token", FakeToken(), add)


@pytest.fixture
def session_service(monkeypatch, pki_root) -> Iterator[Fake]:
    add = session_pb2_grpc.add_SessionServiceServicer_to_server
    yield from _serve(monkeypatch, pki_root, "session", FakeSession(), add)


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
def create_user(run):
    """`authgate [EXTRA] user create` of USERNAME (USERNAME@example.com), the password on stdin."""

    def _create(username: str, *extra: str, stdin: str = "long-enough-pass") -> Result:
        email = f"{username}@example.com"
        return run(*extra, "user", "create", "--username", username, "--email", email, "--password-stdin",
                   stdin=stdin)

    return _create


@pytest.fixture
def dead_target() -> str:
    """An address where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"127.0.0.1:{port}"
