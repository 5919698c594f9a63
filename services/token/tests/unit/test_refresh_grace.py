"""REFRESH_REUSE_GRACE_SECONDS: a retry of the immediate predecessor within the grace period
replaces its successor (a lost response), never leaving two live successors; outside it,
or once the chain has moved on, it is reuse (RFC 9700 §4.14.2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from authgate_common.core.errors import InvalidGrant


@pytest.fixture
def grace_calls(world_factory, calls):
    world = world_factory(REFRESH_REUSE_GRACE_SECONDS=30)
    world.authorization.clients.update(calls.world.authorization.clients)
    return replace(calls, world=world)


def _live(world) -> list:
    now = world.service.refresh.now()
    return [t for t in world.refresh_store.tokens.values() if t.is_live(now)]


def test_a_retry_within_the_grace_period_replaces_the_successor(grace_calls) -> None:
    first = grace_calls.sign_in()
    lost = grace_calls.refresh(first.refresh_token)
    retried = grace_calls.refresh(first.refresh_token)
    assert retried.refresh_token != lost.refresh_token
    assert len(_live(grace_calls.world)) == 1
    with pytest.raises(InvalidGrant):
        grace_calls.refresh(lost.refresh_token)  # revoked by the retry, not reuse of a used one
    assert grace_calls.refresh(retried.refresh_token).access_token
    assert "refresh_grace_retry" in grace_calls.world.refresh_store.events()


def test_a_retry_after_the_successor_was_used_is_reuse(grace_calls) -> None:
    first = grace_calls.sign_in()
    second = grace_calls.refresh(first.refresh_token)
    third = grace_calls.refresh(second.refresh_token)
    with pytest.raises(InvalidGrant):
        grace_calls.refresh(first.refresh_token)
    with pytest.raises(InvalidGrant):
        grace_calls.refresh(third.refresh_token)
    assert grace_calls.world.refresh_store.events()[-1] == "refresh_reuse_detected"


def test_a_retry_after_the_grace_period_is_reuse(grace_calls) -> None:
    first = grace_calls.sign_in()
    second = grace_calls.refresh(first.refresh_token)
    store = grace_calls.world.refresh_store
    for h, t in list(store.tokens.items()):
        if t.used_at is not None:
            store.tokens[h] = replace(t, used_at=t.used_at - timedelta(seconds=31))
    with pytest.raises(InvalidGrant):
        grace_calls.refresh(first.refresh_token)
    with pytest.raises(InvalidGrant):
        grace_calls.refresh(second.refresh_token)
    assert _live(grace_calls.world) == []


def test_strict_mode_is_the_default(calls) -> None:
    first = calls.sign_in()
    second = calls.refresh(first.refresh_token)
    with pytest.raises(InvalidGrant):
        calls.refresh(first.refresh_token)
    with pytest.raises(InvalidGrant):
        calls.refresh(second.refresh_token)
