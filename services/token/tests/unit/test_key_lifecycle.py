"""The signing-key lifecycle on a fake clock: next → current → retired → removed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from token_service.domain.keys.key_lifecycle import KeyPolicy
from token_service.domain.keys.key_rotation import KeyRotation
from token_service.domain.keys.key_set import KeyConflict, KeySet

POLICY = KeyPolicy(rotate_every=timedelta(days=30), publish_ahead=timedelta(seconds=330),
                   retire_for=timedelta(seconds=960))


@pytest.fixture
def rotation(key_store, clock, cheap_keys) -> KeyRotation:
    return KeyRotation(key_store, POLICY, clock=clock, generate=cheap_keys)


def _by_state(keys) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"next": [], "current": [], "retired": []}
    for k in keys:
        out[k.state].append(k.kid)
    return out


def test_first_start_publishes_a_current_and_a_next_key(rotation, key_store) -> None:
    keys = rotation.check()
    states = _by_state(keys)
    assert len(states["current"]) == 1 and len(states["next"]) == 1 and not states["retired"]
    jwks = KeySet(keys).jwks()["keys"]
    assert {k["kid"] for k in jwks} == {k.kid for k in keys}  # next is published already
    assert KeySet(keys).current_kid == states["current"][0]
    assert all(set(k) == {"kty", "n", "e", "kid", "use", "alg"} for k in jwks)
    assert key_store.locks == 1


def test_nothing_due_means_one_read_and_no_lock(rotation, key_store, clock) -> None:
    first = rotation.check()
    clock.advance(days=29)
    assert rotation.check() == first and key_store.locks == 1


def test_an_existing_deployment_gets_a_next_key(rotation, key_store, clock, cheap_keys) -> None:
    old = cheap_keys(clock.now - timedelta(days=3), "current")
    key_store.keys = {old.kid: old}
    states = _by_state(rotation.check())
    assert states["current"] == [old.kid] and len(states["next"]) == 1


def test_scheduled_rotation_promotes_next_and_publishes_a_new_one(rotation, key_store, clock) -> None:
    before = _by_state(rotation.check())
    clock.advance(days=29, hours=23)
    assert _by_state(rotation.check()) == before  # not due yet
    clock.advance(hours=1)
    after = _by_state(rotation.check())
    assert after["current"] == before["next"]
    assert after["retired"] == before["current"]
    assert len(after["next"]) == 1 and after["next"] != before["next"]
    retired = key_store.keys[before["current"][0]]
    assert retired.retired_at == clock.now
    assert key_store.keys[after["current"][0]].activated_at == clock.now


def test_scheduled_rotation_waits_until_the_next_key_outlived_the_jwks_cache(
        rotation, key_store, clock, cheap_keys) -> None:
    current = cheap_keys(clock.now - timedelta(days=31), "current")
    young = cheap_keys(clock.now - timedelta(seconds=100), "next")
    key_store.keys = {current.kid: current, young.kid: young}
    assert _states(rotation.check()) == {current.kid: "current", young.kid: "next"}  # overdue, but
    clock.advance(seconds=229)  # the next key is not in every cache yet (published 329 s < 330 s)
    assert _states(rotation.check()) == {current.kid: "current", young.kid: "next"}
    clock.advance(seconds=1)
    rotation.check()
    assert key_store.states()[young.kid] == "current"
    assert key_store.states()[current.kid] == "retired"


def _states(keys) -> dict[str, str]:
    return {k.kid: k.state for k in keys}


def test_retired_key_is_published_until_its_tokens_expired_then_removed(
        rotation, key_store, clock) -> None:
    old = _by_state(rotation.check())["current"][0]
    clock.advance(days=30)
    rotation.check()
    assert old in {k["kid"] for k in KeySet(key_store.keys.values()).jwks()["keys"]}
    clock.advance(seconds=959)
    assert key_store.states()[old] == "retired" and old in _states(rotation.check())
    clock.advance(seconds=1)
    keys = rotation.check()
    assert old not in _states(keys) and old not in key_store.keys
    assert old not in {k["kid"] for k in KeySet(keys).jwks()["keys"]}


def test_rotation_is_idempotent_across_replicas(key_store, clock, cheap_keys) -> None:
    replicas = [KeyRotation(key_store, POLICY, clock=clock, generate=cheap_keys) for _ in range(3)]
    replicas[0].check()
    clock.advance(days=30)
    results = [r.check() for r in replicas] + [replicas[0].check()]
    assert all(_states(r) == _states(results[0]) for r in results)
    states = _by_state(results[0])
    assert (len(states["current"]), len(states["next"]), len(states["retired"])) == (1, 1, 1)


def test_manual_rotation_waits_for_caches_unless_forced(rotation, key_store, clock) -> None:
    before = _by_state(rotation.check())
    clock.advance(seconds=10)
    result = rotation.rotate()
    assert not result.rotated and _by_state(result.keys) == before
    assert result.not_before == key_store.keys[before["next"][0]].created_at + timedelta(seconds=330)
    forced = rotation.rotate(force=True)
    assert forced.rotated and forced.not_before is None
    assert _by_state(forced.keys)["current"] == before["next"]
    clock.advance(seconds=330)
    assert rotation.rotate().rotated  # the new next key has been published long enough


def test_forced_rotation_with_no_next_key_signs_with_a_fresh_one(
        rotation, key_store, clock, cheap_keys) -> None:
    only = cheap_keys(clock.now, "current")
    key_store.keys = {only.kid: only}
    result = rotation.rotate(force=True)
    states = _by_state(result.keys)
    assert states["retired"] == [only.kid] and len(states["current"]) == 1
    assert len(states["next"]) == 1


def test_a_next_key_signs_when_no_key_does(rotation, key_store, clock, cheap_keys) -> None:
    waiting = cheap_keys(clock.now, "next")
    key_store.keys = {waiting.kid: waiting}
    states = _by_state(rotation.check())
    assert states["current"] == [waiting.kid] and len(states["next"]) == 1


def test_zero_days_disables_the_schedule_but_not_the_pruning(key_store, clock, cheap_keys) -> None:
    rotation = KeyRotation(key_store, KeyPolicy(None, POLICY.publish_ahead, POLICY.retire_for),
                           clock=clock, generate=cheap_keys)
    start = _states(rotation.check())
    clock.advance(days=3650)
    assert _states(rotation.check()) == start
    rotation.rotate(force=True)
    retired = [kid for kid, s in key_store.states().items() if s == "retired"]
    clock.advance(seconds=960)
    assert not set(retired) & set(_states(rotation.check()))


def test_a_concurrent_writer_is_read_back(key_store, clock, cheap_keys) -> None:
    winner = KeyRotation(key_store, POLICY, clock=clock, generate=cheap_keys)
    attempts: list[int] = []

    @contextmanager
    def racing_uow() -> Iterator:  # type: ignore[type-arg]
        attempts.append(1)
        if len(attempts) == 1:
            winner.check()  # the other replica commits first …
            with key_store() as repo:
                yield repo
                raise KeyConflict()  # … so our write conflicts (and is rolled back)
        else:
            with key_store() as repo:
                yield repo

    loser = KeyRotation(racing_uow, POLICY, clock=clock, generate=cheap_keys)
    assert _states(loser.check()) == key_store.states()
    assert len(attempts) == 2 and len(key_store.keys) == 2
