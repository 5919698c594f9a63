"""The outbox claim on real PostgreSQL (FOR UPDATE SKIP LOCKED): concurrent relays take
different rows, a claimed row stays hidden for its lease, delivered rows are never
claimed again; and the private_key_jwt / require_nonce client columns (migration 0005)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from authorization_service.adapters.unit_of_work import SqlUnitOfWork
from authorization_service.bootstrap import engine_for
from authorization_service.domain.models import Client

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
LEASE = NOW + timedelta(seconds=60)


def _uow(harness) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine_for(harness.settings))


def test_concurrent_claims_take_different_rows(harness) -> None:
    # A topic of its own: the service's own relay (running in the harness) never touches it.
    topic = "test." + secrets.token_hex(4)
    uow = _uow(harness)
    with uow() as tx:
        tx.outbox.add(topic, {"n": 1}, NOW)
        tx.outbox.add(topic, {"n": 2}, NOW)
    with uow() as first:
        (a,) = first.outbox.claim_due([topic], NOW, 1, LEASE)
        with uow() as second:  # while the first still holds its row lock
            (b,) = second.outbox.claim_due([topic], NOW, 5, LEASE)
    assert {a.payload["n"], b.payload["n"]} == {1, 2} and a.attempts == b.attempts == 1
    with uow() as tx:  # both leased now
        assert tx.outbox.claim_due([topic], NOW + timedelta(seconds=59), 5, LEASE) == []
        tx.outbox.delivered(a.id, NOW)
        tx.outbox.retry_at(b.id, NOW + timedelta(seconds=2), "temporarily_unavailable: down")
    with uow() as tx:
        (again,) = tx.outbox.claim_due([topic], NOW + timedelta(seconds=2), 5, LEASE)
    assert again.id == b.id and again.attempts == 2
    with uow() as tx:
        tx.outbox.delivered(b.id, NOW)
    with uow() as tx:
        assert tx.outbox.claim_due([topic], NOW + timedelta(days=1), 5, LEASE + timedelta(days=1)) == []


def test_private_key_jwt_client_round_trip(harness) -> None:
    uow = _uow(harness)
    client = Client(client_id="pk-" + secrets.token_hex(4), grant_types=("client_credentials",),
                    token_endpoint_auth_method="private_key_jwt", jwks='{"keys":[]}', require_nonce=True,
                    created_at=NOW)
    with uow() as tx:
        tx.clients.add(client)
    with uow() as tx:
        assert tx.clients.get(client.client_id) == client
