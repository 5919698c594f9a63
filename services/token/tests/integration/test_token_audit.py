"""The token service's audit trail on PostgreSQL, read back over its AuditService: tokens
issued, a refresh token replayed and a token revoked through the HTTP app with the
gateway's request id and address, a key rotation, and the old token_audit rows carried
over by the migration — never a token or a client secret."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import grpc
from alembic import command
from alembic.config import Config
from authgate.audit.v1 import audit_pb2 as apb
from authgate.audit.v1 import audit_pb2_grpc as apb_grpc
from authgate.token.v1 import token_pb2 as tpb
from authgate.token.v1 import token_pb2_grpc as tpb_grpc
from authgate_common.audit_store import AuditLog
from authgate_common.core.audit import AuditQuery
from authgate_common.db import ensure_schema, make_engine
from authgate_common.testing import postgres_database
from sqlalchemy import text
from token_service.bootstrap import MIGRATIONS, SCHEMA

GATEWAY = {"x-envoy-external-address": "203.0.113.77"}


def _events(channel: grpc.Channel, **filters: str) -> list[apb.AuditEvent]:
    got = apb_grpc.AuditServiceStub(channel).ListAuditEvents(
        apb.ListAuditEventsRequest(limit=1000, **filters), timeout=10
    )
    return list(reversed(got.events))


def test_issue_replay_and_revoke_are_recorded_without_tokens(
    harness,
    app_client,
    lifecycle,
    grpc_channel,
) -> None:
    sign_in, _refresh = lifecycle
    first = sign_in(harness, app_client)
    second = harness.http.post(
        "/api/v1/oauth/token",
        auth=app_client,
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        headers={**GATEWAY, "x-request-id": "rid-refresh"},
    ).json()
    replay = harness.http.post(
        "/api/v1/oauth/token",
        auth=app_client,
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        headers={**GATEWAY, "x-request-id": "rid-replay"},
    )
    assert replay.json()["error"] == "invalid_grant"
    harness.http.post(
        "/api/v1/oauth/revoke",
        auth=app_client,
        data={"token": second["access_token"]},
        headers={**GATEWAY, "x-request-id": "rid-revoke"},
    )
    mine = [e for e in _events(grpc_channel, user="u1", type="token.*") if e.client_id == app_client[0]]
    assert [e.type for e in mine] == [
        "token.issued",
        "token.issued",
        "token.refresh_reuse_detected",
        "token.revoked",
    ]
    assert [e.request_id for e in mine[1:]] == ["rid-refresh", "rid-replay", "rid-revoke"]
    assert all(e.source_address == "203.0.113.77" for e in mine[1:])
    assert [json.loads(e.details_json)["grant_type"] for e in mine[:2]] == [
        "authorization_code",
        "refresh_token",
    ]
    assert json.loads(mine[3].details_json)["kind"] == "access"
    assert len({e.sid for e in mine}) == 1 and mine[0].sid.startswith("sid-")
    stored = str(mine)
    for secret in (
        first["access_token"],
        first["refresh_token"],
        first["id_token"],
        second["refresh_token"],
        app_client[1],
    ):
        assert secret not in stored


def test_a_key_rotation_is_recorded(harness, grpc_channel) -> None:
    before = {e.id for e in _events(grpc_channel, type="key.*")}
    outcome = tpb_grpc.TokenServiceStub(grpc_channel).RotateSigningKeys(
        tpb.RotateSigningKeysRequest(force=True), timeout=30
    )
    assert outcome.rotated
    [event] = [e for e in _events(grpc_channel, type="key.*") if e.id not in before]
    assert (event.type, event.actor) == ("key.rotated", "operator")
    assert json.loads(event.details_json)["kid"] == outcome.current_kid


def test_the_migration_carries_token_audit_rows_over() -> None:
    with postgres_database("tokaudit") as url:
        engine = make_engine(url, SCHEMA)
        ensure_schema(engine, SCHEMA)
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0002")
            conn.execute(
                text(
                    "INSERT INTO token_audit (at, event, client_id, user_id, sid, family_id, detail) VALUES "
                    "(:at, 'refresh_reuse_detected', 'web', 'u-9', 's-9', 'fam-9', '{\"used_at\": \"x\"}')"
                ),
                {"at": datetime(2030, 1, 1, tzinfo=UTC)},
            )
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        [row] = AuditLog(engine).query(AuditQuery(user="u-9"))
        assert (row.type, row.actor, row.client_id, row.sid, row.details) == (
            "token.refresh_reuse_detected",
            "client:web",
            "web",
            "s-9",
            {"used_at": "x", "family_id": "fam-9"},
        )
        with engine.connect() as conn:
            assert conn.execute(text("SELECT to_regclass('token_audit')")).scalar() is None
        engine.dispose()
