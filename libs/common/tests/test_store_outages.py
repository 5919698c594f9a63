"""A database or Redis that cannot answer is `temporarily_unavailable` (503 / UNAVAILABLE,
retry later), not `server_error`; a wrong query stays a 500."""

from __future__ import annotations

import grpc
import pytest
import redis
from authgate_common.core.errors import ERROR_KEY, TemporarilyUnavailable
from authgate_common.db import UnitOfWork, make_engine
from authgate_common.grpc_server import channel
from authgate_common.http import create_app
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

REFUSED = OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


def _app():
    app = create_app("t")

    @app.get("/db-down")
    def db_down() -> dict:
        raise REFUSED

    @app.get("/redis-down")
    def redis_down() -> dict:
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    @app.get("/bad-query")
    def bad_query() -> dict:
        raise ProgrammingError("SELECT nope", {}, Exception('relation "nope" does not exist'))

    return app


@pytest.mark.parametrize("path", ["/db-down", "/redis-down"])
def test_a_store_outage_is_a_503_to_retry(path: str) -> None:
    resp = TestClient(_app(), raise_server_exceptions=False).get(path)
    assert resp.status_code == 503
    assert resp.json()["error"] == "temporarily_unavailable"
    assert resp.headers["retry-after"] == "1"
    assert "refused" not in resp.text and "6379" not in resp.text


def test_a_wrong_query_is_still_a_500() -> None:
    resp = TestClient(_app(), raise_server_exceptions=False).get("/bad-query")
    assert resp.status_code == 500 and resp.json()["error"] == "server_error"
    assert "nope" not in resp.text


def test_a_unit_of_work_on_an_unreachable_database_raises_temporarily_unavailable() -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    engine = make_engine("postgresql://postgres@127.0.0.1:1/postgres", "t")
    try:
        with pytest.raises(TemporarilyUnavailable), UnitOfWork(engine)() as session:
            session.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def test_over_grpc_a_store_outage_is_unavailable(grpc_service) -> None:
    def down(_request: bytes, _context: grpc.ServicerContext) -> bytes:
        raise REFUSED

    target = grpc_service("t.Store", {"Read": down})
    with channel(target) as ch:
        with pytest.raises(grpc.RpcError) as caught:
            ch.unary_unary("/t.Store/Read")(b"", timeout=5)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert dict(caught.value.trailing_metadata())[ERROR_KEY] == "temporarily_unavailable"
