"""Revoked access tokens stay revoked when Redis loses its data (issue 7: nothing is accepted
that a revocation could have killed). The record (fake database) is written first; the
deny-list (in-memory Redis) is a copy that is reloaded, fails closed while it cannot be,
and never holds a revocation the record lacks."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidGrant, TemporarilyUnavailable
from token_fakes import Seconds
from token_service.domain.refresh.refresh_store import jti_unit_of_work
from token_service.domain.revocation.client_tokens import ClientTokenRevocation
from token_service.domain.revocation.deny_list import DenyListKeeper


def test_an_access_token_revoked_by_its_client_stays_revoked_after_a_flush(calls) -> None:
    revoked, live = calls.sign_in(), calls.sign_in()
    calls.revoke(revoked.access_token)
    calls.world.deny_list.flush()
    assert not calls.world.accepts(revoked.access_token)
    assert calls.world.accepts(live.access_token)
    assert calls.world.deny_list.is_complete()


def test_code_replay_and_refresh_reuse_revocations_survive_a_flush(calls) -> None:
    code = calls.add_code(("openid", "read"), "app", "sid-1")
    first = calls.exchange(code)
    rotated = calls.refresh(first.refresh_token)
    with pytest.raises(InvalidGrant):
        calls.exchange(code)  # replayed: the grant's tokens, rotated ones included, are revoked
    reused = calls.sign_in()
    successor = calls.refresh(reused.refresh_token)
    with pytest.raises(InvalidGrant):
        calls.refresh(reused.refresh_token)  # reuse: the family's tokens are revoked
    calls.world.deny_list.flush()
    for token in (first, rotated, reused, successor):
        assert not calls.world.accepts(token.access_token)


def test_a_withdrawn_consent_survives_a_flush(calls) -> None:
    tokens = calls.sign_in()
    revocation = ClientTokenRevocation(calls.world.service.refresh, calls.world.service.ledger)
    assert revocation.revoke("u1", "app") == 1
    calls.world.deny_list.flush()
    assert not calls.world.accepts(tokens.access_token)


def test_client_credentials_tokens_are_not_recorded_under_a_grant_but_revoke_by_jti(calls) -> None:
    token = calls.token({"grant_type": "client_credentials"}, ("svc", "svc-secret"))
    assert calls.world.refresh_store.issued == {}
    calls.revoke(token.access_token, ("svc", "svc-secret"))
    calls.world.deny_list.flush()
    assert not calls.world.accepts(token.access_token)


def test_while_another_replica_reloads_validation_fails_closed_then_recovers(calls) -> None:
    world = calls.world
    revoked, live = calls.sign_in(), calls.sign_in()
    calls.revoke(revoked.access_token)
    world.deny_list.flush()
    assert world.deny_list.claim_rebuild("another-replica", 30)
    clock = Seconds()
    keeper = DenyListKeeper(jti_unit_of_work(world.refresh_store), world.deny_list,
                            monotonic=clock, sleep=clock.sleep)
    with pytest.raises(TemporarilyUnavailable):
        keeper.recover()
    assert 0.9 <= clock.now <= 1.1  # waited briefly, then refused
    for token in (revoked, live):
        with pytest.raises(TemporarilyUnavailable):  # the service's own keeper, same lock
            world.service.validator.validate(token.access_token)
    world.deny_list.release_rebuild("another-replica")  # it died: its lock expires
    assert not world.accepts(revoked.access_token)
    assert world.accepts(live.access_token)


def test_a_reload_cut_short_by_another_flush_is_not_marked_complete(calls, monkeypatch) -> None:
    world = calls.world
    revoked = calls.sign_in()
    calls.revoke(revoked.access_token)
    world.deny_list.flush()
    add = world.deny_list.add

    def add_then_lose_everything(entries):
        add(entries)
        world.deny_list.flush()  # Redis restarted again mid-reload: the lock went with it

    monkeypatch.setattr(world.deny_list, "add", add_then_lose_everything)
    with pytest.raises(TemporarilyUnavailable):
        world.service.validator.validate(revoked.access_token)
    assert not world.deny_list.is_complete()
    monkeypatch.undo()
    assert not world.accepts(revoked.access_token)


def test_with_the_database_down_an_incomplete_deny_list_refuses_every_token(calls) -> None:
    world = calls.world
    live = calls.sign_in()
    world.deny_list.flush()
    world.refresh_store.unavailable = True
    with pytest.raises(TemporarilyUnavailable):
        world.service.validator.validate(live.access_token)
    world.refresh_store.unavailable = False  # the failed reload released its lock: no wait
    assert world.accepts(live.access_token)


def test_a_push_lost_after_the_commit_is_made_good_by_the_sync(calls, monkeypatch) -> None:
    world = calls.world
    tokens = calls.sign_in()
    world.service.keeper.sync()  # the first run pushes everything; later ones what is recent

    def redis_down(entries):
        raise TemporarilyUnavailable(detail="key-value store: ConnectionError")

    monkeypatch.setattr(world.deny_list, "add", redis_down)
    with pytest.raises(TemporarilyUnavailable):
        calls.revoke(tokens.access_token)  # answered 503, but recorded
    monkeypatch.undo()
    assert world.deny_list.is_complete() and world.accepts(tokens.access_token)
    assert world.service.keeper.sync() == 1
    assert not world.accepts(tokens.access_token)


def test_a_revocation_rolled_back_never_reaches_the_deny_list(calls, monkeypatch) -> None:
    world = calls.world
    tokens = calls.sign_in()
    with world.refresh_store() as repo:
        repository = type(repo)

    def crash(self, event, now):
        raise RuntimeError("the process dies before the commit")

    monkeypatch.setattr(repository, "audit", crash)
    with pytest.raises(RuntimeError):
        calls.revoke(tokens.refresh_token)
    assert world.refresh_store.revoked == {}
    assert not world.deny_list.check(tokens.claims["jti"])[0]  # no revocation only Redis knows
    monkeypatch.undo()
    assert world.accepts(tokens.access_token) and calls.refresh(tokens.refresh_token).access_token
