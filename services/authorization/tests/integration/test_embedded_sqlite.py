"""With DATABASE_URL unset the service runs on a SQLite file under VAR_DIR, the same
migrations and the same single-use guarantee (UPDATE … RETURNING, SQLite ≥ 3.35)."""

from __future__ import annotations

import secrets

import pytest
from authgate_common.core.errors import InvalidClient, InvalidGrant
from authorization_service.adapters.unit_of_work import SqlUnitOfWork
from authorization_service.bootstrap import build, engine_for, migrate
from authorization_service.domain.authorize.context import AuthorizeRequest
from authorization_service.domain.models import Client, SessionInfo
from authorization_service.settings import Settings


class OneSession:
    def validate(self, session_token: str) -> SessionInfo | None:
        return SessionInfo(sid="s1", user_id="u1") if session_token == "cookie" else None


def test_code_flow_on_sqlite(tmp_path, harness) -> None:
    settings = Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True,  # type: ignore[call-arg]
                        VAR_DIR=str(tmp_path), SECRET_KEY=secrets.token_urlsafe(32))
    migrate(settings)
    migrate(settings)  # idempotent
    assert (tmp_path / "authorization.db").exists()
    engine = engine_for(settings)
    service = build(settings, uow=SqlUnitOfWork(engine), sessions=OneSession())
    try:
        service.registry.create(Client(client_id="web", redirect_uris=("https://a.example/cb",),
                                       scopes=("openid",), first_party=True))
        verifier, challenge = harness.pkce_pair()
        pairs = (("response_type", "code"), ("client_id", "web"), ("scope", "openid"),
                 ("code_challenge", challenge), ("code_challenge_method", "S256"))
        outcome = service.authorize.handle(AuthorizeRequest(pairs, "cookie", "/x"))
        code = harness.query(outcome.location)["code"]  # type: ignore[union-attr]
        grant = service.redeemer.redeem(code, "web", "https://a.example/cb", verifier)
        assert grant.user_id == "u1" and grant.scopes == ("openid",)
        with pytest.raises(InvalidGrant) as exc:
            service.redeemer.redeem(code, "web", "https://a.example/cb", verifier)
        assert exc.value.metadata["authgate-replayed-grant-id"] == grant.grant_id
        # Migration 0002 on SQLite: consents and the outbox.
        service.consents.grant("u1", "web", ("openid",))
        service.consents.grant("u1", "web", ("openid",))
        assert [v.scopes for v in service.consents.of_user("u1")] == [("openid",)]
        service.consents.withdraw("u1", "web")
        assert service.consents.of_user("u1") == []
    finally:
        engine.dispose()


def test_a_client_changes_and_rotates_its_secret_on_sqlite(tmp_path) -> None:
    settings = Settings(_env_file=None, GRPC_INSECURE_PLAINTEXT=True,  # type: ignore[call-arg]
                        VAR_DIR=str(tmp_path), SECRET_KEY=secrets.token_urlsafe(32))
    migrate(settings)
    engine = engine_for(settings)
    service = build(settings, uow=SqlUnitOfWork(engine), sessions=OneSession())
    try:
        old = service.registry.create(Client(client_id="web", redirect_uris=("https://a.example/cb",),
                                             scopes=("openid",))).client_secret
        updated = service.updates.update("web", {"redirect_uris": ("https://b.example/cb",),
                                                 "scopes": ("openid", "read")})
        assert updated.changed == ("redirect_uris", "scopes")
        assert service.registry.get("web") == updated.client
        new = service.updates.rotate_secret("web").client_secret
        with pytest.raises(InvalidClient):
            service.registry.authenticate("web", old)
        assert service.registry.authenticate("web", new).redirect_uris == ("https://b.example/cb",)
    finally:
        engine.dispose()
