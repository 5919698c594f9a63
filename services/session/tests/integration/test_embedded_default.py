"""With DATABASE_URL and REDIS_URL unset the service runs on a SQLite file and an in-process store."""

from __future__ import annotations

import secrets

import grpc
import pytest
from authgate.session.v1 import session_pb2 as pb
from authgate.session.v1 import session_pb2_grpc as pb_grpc
from authgate_common.core.kv import MemoryStore
from authgate_common.grpc_server import create_server
from fastapi.testclient import TestClient
from session_service.bootstrap import bootstrap, migrate
from session_service.entrypoints.grpc_api import SERVICE_NAME
from session_service.settings import Settings


def test_embedded_default_creates_validates_and_revokes(tmp_path) -> None:
    settings = Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True, DATABASE_URL=None, REDIS_URL=None,  # type: ignore[call-arg]
                        VAR_DIR=str(tmp_path), SECRET_KEY=secrets.token_urlsafe(32))
    migrate(settings)
    migrate(settings)  # idempotent
    assert (tmp_path / "session.db").exists()
    service = bootstrap(settings)
    assert isinstance(service.store, MemoryStore)
    server, port, _ = create_server(0, service.register, service_names=[SERVICE_NAME], host="127.0.0.1")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = pb_grpc.SessionServiceStub(ch)
            created = stub.CreateSession(pb.CreateSessionRequest(user_id="u1", amr=["pwd"]))
            token = created.session_token
            assert stub.ValidateSession(pb.ValidateSessionRequest(session_token=token)).session.sid \
                == created.session.sid
            stored = b"".join(f.read_bytes() for f in tmp_path.glob("session.db*"))  # WAL too
            assert created.session.sid.encode() in stored and token.encode() not in stored
            stub.RevokeSession(pb.RevokeSessionRequest(sid=created.session.sid))
            with pytest.raises(grpc.RpcError) as err:
                stub.ValidateSession(pb.ValidateSessionRequest(session_token=token))
            assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with TestClient(service.http_app) as http:
            assert http.get("/healthz").json() == {"status": "ok"}
    finally:
        server.stop(None)
        service.close()
