"""SQL repositories on real PostgreSQL: what goes in comes out, codes consume once."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from authorization_service.adapters.unit_of_work import SqlUnitOfWork
from authorization_service.bootstrap import engine_for
from authorization_service.domain.models import Client, StoredCode

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def _uow(harness) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine_for(harness.settings))


def test_client_round_trip(harness) -> None:
    uow = _uow(harness)
    client = Client(client_id="rt-" + secrets.token_hex(4), name="Round trip",
                    redirect_uris=("https://a.example/cb", "myapp://cb"), scopes=("openid", "read"),
                    grant_types=("authorization_code", "client_credentials"), first_party=True,
                    pkce_optional=True, audiences=("https://api.example",), created_at=NOW,
                    secret_hash="ab" * 32, admin=True)
    with uow() as tx:
        tx.clients.add(client)
    with uow() as tx:
        assert tx.clients.get(client.client_id) == client
        assert client.client_id in [c.client_id for c in tx.clients.all()]
    with uow() as tx:
        assert tx.clients.delete(client.client_id) is True
        assert tx.clients.delete(client.client_id) is False
        assert tx.clients.get(client.client_id) is None


def test_code_consumed_once_and_rolled_back_with_the_transaction(harness) -> None:
    uow = _uow(harness)
    code_hash = secrets.token_hex(32)
    code = StoredCode(
        code_hash=code_hash, grant_id=code_hash[:32], client_id="c", user_id="u", sid="s",
        redirect_uri="https://a.example/cb", scopes=("openid", "read"), nonce="n",
        code_challenge="x" * 43, code_challenge_method="S256", auth_time=NOW, amr=("pwd", "otp"),
        created_at=NOW, expires_at=NOW + timedelta(seconds=60))
    with uow() as tx:
        tx.codes.add(code)
    try:
        with uow() as tx:
            assert tx.codes.consume(code_hash, NOW) is not None
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    with uow() as tx:
        consumed = tx.codes.consume(code_hash, NOW)
    assert consumed is not None and consumed.consumed_at == NOW
    assert consumed == StoredCode(**{**code.__dict__, "consumed_at": NOW})
    with uow() as tx:
        assert tx.codes.consume(code_hash, NOW) is None
        assert tx.codes.exists(code_hash)
        assert not tx.codes.exists("0" * 64)


def test_consent_round_trip_and_client_cleanup(harness) -> None:
    from authorization_service.domain.models import Consent

    uow = _uow(harness)
    user, client_id = "u-" + secrets.token_hex(4), "c-" + secrets.token_hex(4)
    consent = Consent(user, client_id, ("openid", "read"), granted_at=NOW)
    with uow() as tx:
        assert tx.consents.get(user, client_id) is None
        tx.consents.save(consent)
    with uow() as tx:
        assert tx.consents.get(user, client_id) == consent
        assert tx.consents.active_for_user(user) == [consent]
        tx.consents.save(Consent(user, client_id, ("openid",), granted_at=NOW, revoked_at=NOW))
        tx.outbox.add("consent.withdrawn", {"user_id": user}, NOW)
    with uow() as tx:
        assert tx.consents.get(user, client_id).revoked_at == NOW  # type: ignore[union-attr]
        assert tx.consents.active_for_user(user) == []
        assert tx.consents.delete_for_client(client_id) == 1
        assert tx.consents.get(user, client_id) is None
