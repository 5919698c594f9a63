"""Refresh-token rotation on real PostgreSQL and Redis (RFC 6749 §6, RFC 9700 §4.14.2):
rotation, reuse killing the family and its access tokens, the 20-way race with one winner,
scope narrowing, the grace period under concurrency, cleanup, and the SQLite default."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from authgate_common.audit_schema import audit_events
from authgate_common.core.errors import InvalidGrant
from authgate_common.db import make_engine, run_migrations
from sqlalchemy import Engine, func, select, update
from token_service.adapters.deny_list import MemoryDenyList
from token_service.adapters.refresh_repository import SqlRefreshUnitOfWork
from token_service.adapters.tables import refresh_families, refresh_tokens
from token_service.bootstrap import MIGRATIONS, bootstrap, engine_for
from token_service.domain.refresh.refresh_cleanup import RefreshCleanup
from token_service.domain.refresh.refresh_store import jti_unit_of_work, refresh_event
from token_service.domain.refresh.refresh_tokens import FamilyStart, RefreshTokens
from token_service.domain.revocation.deny_list import DenyListKeeper
from token_service.domain.revocation.grant_ledger import GrantLedger
from token_service.entrypoints.form_request import form_request

USERINFO = "/api/v1/userinfo/me"
INTROSPECT = "/api/v1/oauth/introspect"


@pytest.fixture(scope="module")
def engine(harness) -> Iterator[Engine]:
    eng = engine_for(harness.settings)
    yield eng
    eng.dispose()


def _basic(client: tuple[str, str]) -> str:
    return "Basic " + base64.b64encode(f"{client[0]}:{client[1]}".encode()).decode()


def _userinfo(harness, access: str) -> int:
    return harness.http.get(USERINFO, headers={"Authorization": f"Bearer {access}"}).status_code


def _family_rows(engine: Engine, refresh: RefreshTokens, raw: str) -> list:  # type: ignore[type-arg]
    with engine.connect() as conn:
        family = conn.execute(select(refresh_tokens.c.family_id)
                              .where(refresh_tokens.c.token_hash == refresh.hash(raw))).scalar_one()
        rows = conn.execute(select(refresh_tokens).where(refresh_tokens.c.family_id == family))
        return list(rows.mappings())


def _concurrent_refreshes(service, client: tuple[str, str], raw: str, count: int) -> list[str]:
    """`count` threads present `raw` at once (a barrier); each outcome is "ok" or "invalid_grant"."""
    body = f"grant_type=refresh_token&refresh_token={raw}".encode()
    basic = _basic(client)
    barrier, outcomes = threading.Barrier(count), []

    def attempt() -> None:
        barrier.wait()
        try:
            service.token_endpoint.handle(form_request("application/x-www-form-urlencoded", body, basic))
            outcomes.append("ok")
        except InvalidGrant:
            outcomes.append("invalid_grant")

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_rotation_and_reuse_kill_the_family_and_its_access_tokens(harness, app_client, lifecycle,
                                                                  engine) -> None:
    sign_in, refresh = lifecycle
    first = sign_in(harness, app_client)
    second = refresh(harness, app_client, first["refresh_token"])
    assert second.status_code == 200 and second.headers["cache-control"] == "no-store"
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"] and second["id_token"]
    assert _userinfo(harness, second["access_token"]) == 200

    replay = refresh(harness, app_client, first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert _userinfo(harness, first["access_token"]) == 401
    assert _userinfo(harness, second["access_token"]) == 401
    assert refresh(harness, app_client, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert harness.http.post(INTROSPECT, auth=app_client, data={"token": second["access_token"]}).json() == {
        "active": False}

    rows = _family_rows(engine, harness.service.refresh, second["refresh_token"])
    assert len(rows) == 2 and all(r["revoked_at"] is not None for r in rows)
    with engine.connect() as conn:
        audit = [r for r in conn.execute(select(audit_events).where(
            audit_events.c.type == "token.refresh_reuse_detected")).mappings()
            if r["details"].get("family_id") == rows[0]["family_id"]]
    assert len(audit) == 1 and audit[0]["client_id"] == app_client[0]
    audit = audit[0]
    assert first["refresh_token"] not in str(dict(audit)) and rows[0]["token_hash"] not in str(dict(audit))


def test_twenty_concurrent_refreshes_have_exactly_one_winner(harness, app_client, lifecycle,
                                                             engine) -> None:
    sign_in, _refresh = lifecycle
    raw = sign_in(harness, app_client)["refresh_token"]
    results = _concurrent_refreshes(harness.service, app_client, raw, 20)
    assert sorted(results) == ["invalid_grant"] * 19 + ["ok"]
    rows = _family_rows(engine, harness.service.refresh, raw)
    assert len(rows) == 2  # the original and one successor, never a second chain


def test_scope_narrows_but_never_widens(harness, app_client, lifecycle) -> None:
    sign_in, refresh = lifecycle
    first = sign_in(harness, app_client, scopes="openid read")
    wide = refresh(harness, app_client, first["refresh_token"], scope="openid read write")
    assert wide.status_code == 400 and wide.json()["error"] == "invalid_scope"
    narrow = refresh(harness, app_client, first["refresh_token"], scope="read")
    assert narrow.status_code == 200 and narrow.json()["scope"] == "read"
    assert "id_token" not in narrow.json()


def test_another_client_cannot_use_the_token(harness, app_client, lifecycle) -> None:
    sign_in, refresh = lifecycle
    first = sign_in(harness, app_client)
    thief = ("thief-" + app_client[0], "t" * 40)
    harness.fakes.add_client(*thief, grant_types=("authorization_code", "refresh_token"))
    assert refresh(harness, thief, first["refresh_token"]).json()["error"] == "invalid_grant"
    assert refresh(harness, app_client, first["refresh_token"]).status_code == 200


def test_an_ended_session_ends_refreshing(harness, app_client, lifecycle) -> None:
    sign_in, refresh = lifecycle
    first = sign_in(harness, app_client)
    harness.fakes.live_sids.discard(harness.service.validator.validate(first["access_token"])["sid"])
    resp = refresh(harness, app_client, first["refresh_token"])
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_grace_retries_under_concurrency_leave_one_live_successor(harness, app_client, lifecycle,
                                                                  engine) -> None:
    sign_in, refresh = lifecycle
    lenient = bootstrap(harness.settings.model_copy(update={"REFRESH_REUSE_GRACE_SECONDS": 60}))
    try:
        raw = sign_in(harness, app_client)["refresh_token"]
        assert refresh(harness, app_client, raw).status_code == 200  # the response "got lost"
        outcomes = _concurrent_refreshes(lenient, app_client, raw, 8)
        assert outcomes.count("ok") == 8  # each retry replaced the one before it
        rows = _family_rows(engine, harness.service.refresh, raw)
        live = [r for r in rows if r["used_at"] is None and r["revoked_at"] is None]
        assert len(live) == 1
    finally:
        lenient.close()


def test_cleanup_deletes_only_long_dead_rows(harness, app_client, lifecycle, engine) -> None:
    sign_in, _refresh = lifecycle
    dead, alive = sign_in(harness, app_client), sign_in(harness, app_client)
    refresh = harness.service.refresh
    old = datetime.now(UTC) - timedelta(days=40)
    with engine.begin() as conn:
        family = conn.execute(select(refresh_tokens.c.family_id).where(
            refresh_tokens.c.token_hash == refresh.hash(dead["refresh_token"]))).scalar_one()
        conn.execute(update(refresh_tokens).where(refresh_tokens.c.family_id == family)
                     .values(created_at=old, expires_at=old + timedelta(days=30)))
        conn.execute(update(refresh_families).where(refresh_families.c.family_id == family)
                     .values(created_at=old))
    assert RefreshCleanup(refresh, batch_size=1).run_once() >= 2
    with engine.connect() as conn:
        left = conn.execute(select(func.count()).select_from(refresh_families)
                            .where(refresh_families.c.family_id == family)).scalar_one()
    assert left == 0 and refresh.find(dead["refresh_token"]) is None
    assert refresh.find(alive["refresh_token"]) is not None


def test_the_embedded_sqlite_default_rotates_and_detects_reuse(tmp_path, harness) -> None:
    sqlite = make_engine(None, "token", str(tmp_path))
    run_migrations(sqlite, "token", str(MIGRATIONS))
    uow = SqlRefreshUnitOfWork(sqlite)
    jtis, deny_list = jti_unit_of_work(uow), MemoryDenyList()
    ledger = GrantLedger(jtis, deny_list, DenyListKeeper(jtis, deny_list), 900)
    refresh = RefreshTokens(uow, b"k" * 32, timedelta(days=30), ledger)
    with refresh.transaction() as repo:
        raw, token = refresh.start_family(repo, FamilyStart("c", "u", "sid", "g", ("read",)))
        ledger.record("jti-1", int(time.time()) + 900, "g", token.family_id, into=repo.jtis)
    now = datetime.now(UTC)
    with refresh.transaction() as repo:
        assert repo.consume(token.token_hash, "c", now) is not None
        refresh.successor(repo, token)
    with refresh.transaction() as repo:
        assert repo.consume(token.token_hash, "c", now) is None
        assert repo.get_token(token.token_hash).used_at is not None  # type: ignore[union-attr]
        assert repo.delete_stale(now - timedelta(days=1), 10) == 0
    found = refresh.find(raw)
    assert found is not None and found[0].expires_at > now and found[1].grant_id == "g"
    # The jti record on SQLite: a family's access tokens revoked with it, twice is harmless.
    for _ in range(2):
        with refresh.transaction() as repo:
            refresh.revoke_family(repo, token.family_id, "test", refresh_event("refresh_revoked"))
    assert ledger.is_revoked("jti-1") and not ledger.is_revoked("jti-2")
    deny_list.flush()
    assert ledger.is_revoked("jti-1") and deny_list.is_complete()
    sqlite.dispose()


def test_a_replayed_code_revokes_the_refresh_family(harness, app_client, lifecycle) -> None:
    _sign_in, refresh = lifecycle
    code = harness.fakes.add_code(app_client[0], "openid read")
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": "https://app.example/cb",
            "code_verifier": "v" * 43}
    first = harness.http.post("/api/v1/oauth/token", auth=app_client, data=form).json()
    second = refresh(harness, app_client, first["refresh_token"]).json()
    replay = harness.http.post("/api/v1/oauth/token", auth=app_client, data=form)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert refresh(harness, app_client, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert _userinfo(harness, second["access_token"]) == 401
