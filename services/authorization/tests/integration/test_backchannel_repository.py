"""Back-channel logout rows on real PostgreSQL (and the embedded SQLite): one logout per
session and client however many replicas enqueue it, and a due logout claimed by one
replica only (FOR UPDATE SKIP LOCKED, then a conditional UPDATE)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from authorization_service.adapters.unit_of_work import SqlUnitOfWork
from authorization_service.bootstrap import engine_for, migrate
from authorization_service.domain.models import Client
from authorization_service.settings import Settings

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
LEASE = NOW + timedelta(seconds=60)


def _clients(uow: SqlUnitOfWork) -> tuple[str, str]:
    rp, plain = "rp-" + secrets.token_hex(4), "web-" + secrets.token_hex(4)
    with uow() as tx:
        tx.clients.add(Client(client_id=rp, backchannel_logout_uri="https://rp.example/bc", created_at=NOW))
        tx.clients.add(Client(client_id=plain, created_at=NOW))
    return rp, plain


def _session_with(uow: SqlUnitOfWork, *client_ids: str) -> str:
    sid = "sid-" + secrets.token_hex(8)
    with uow() as tx:
        for client_id in client_ids:
            tx.backchannel.add_participant(sid, client_id, "alice", NOW)
            tx.backchannel.add_participant(sid, client_id, "alice", NOW)  # a second code: kept once
    return sid


def _enqueue_claim_deliver(uow: SqlUnitOfWork) -> None:
    rp, plain = _clients(uow)
    sid = _session_with(uow, rp, plain)
    with uow() as tx:
        assert tx.backchannel.enqueue([sid], NOW) == 1  # only the client with a URI
    with uow() as tx:
        assert tx.backchannel.enqueue([sid, "other"], NOW) == 0  # another replica: nothing new
    with uow() as tx:
        (notice,) = tx.backchannel.claim_due(NOW, 10, LEASE)
    assert (notice.sid, notice.client_id, notice.user_id, notice.attempts) == (sid, rp, "alice", 1)
    with uow() as tx:
        assert tx.backchannel.claim_due(NOW + timedelta(seconds=59), 10, LEASE) == []
        tx.backchannel.retry_at(notice.id, NOW + timedelta(seconds=1), "HTTP 503")
    with uow() as tx:
        (again,) = tx.backchannel.claim_due(NOW + timedelta(seconds=1), 10, LEASE)
        assert again.attempts == 2
        tx.backchannel.delivered(again.id, NOW)
    with uow() as tx:
        assert tx.backchannel.claim_due(NOW + timedelta(days=1), 10, LEASE + timedelta(days=1)) == []
        assert tx.backchannel.enqueue([sid], NOW) == 0  # delivered stays delivered
        assert tx.backchannel.purge(NOW + timedelta(seconds=1), NOW + timedelta(seconds=1)) >= 3


def test_enqueue_claim_and_deliver_on_postgresql(harness) -> None:
    engine = engine_for(harness.settings)
    try:
        _enqueue_claim_deliver(SqlUnitOfWork(engine))
    finally:
        engine.dispose()


def test_two_replicas_claiming_at_once_never_get_the_same_logout(harness) -> None:
    engine = engine_for(harness.settings)
    uow = SqlUnitOfWork(engine)
    try:
        rp, _ = _clients(uow)
        sids = [_session_with(uow, rp) for _ in range(2)]
        with uow() as tx:
            assert tx.backchannel.enqueue(sids, NOW) == 2
        with uow() as first:
            mine = first.backchannel.claim_due(NOW, 1, LEASE)
            # A second replica while the first still holds its row: skips it, does not wait.
            with uow() as second:
                theirs = second.backchannel.claim_due(NOW, 10, LEASE)
        assert len(mine) == 1 and len(theirs) >= 1
        assert mine[0].id not in {n.id for n in theirs}
        ours = {n.sid for n in mine + theirs} & set(sids)
        assert ours == set(sids)
    finally:
        engine.dispose()


def test_enqueue_claim_and_deliver_on_embedded_sqlite(tmp_path) -> None:
    settings = Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True,  # type: ignore[call-arg]
                        VAR_DIR=str(tmp_path), SECRET_KEY=secrets.token_urlsafe(32))
    migrate(settings)  # 0003 on SQLite: columns added to clients, two new tables
    engine = engine_for(settings)
    try:
        _enqueue_claim_deliver(SqlUnitOfWork(engine))
    finally:
        engine.dispose()
