"""A replica follows rotations made anywhere: tokens signed before keep validating until
their key is removed, new ones carry the new kid, and nothing is parsed twice."""

from __future__ import annotations

import secrets
import threading
from contextlib import contextmanager

import pytest
from authgate_common.core.errors import InvalidToken
from jose import jwt
from token_service.bootstrap import key_policy
from token_service.domain.keys.key_ring import KeyRing
from token_service.domain.keys.key_rotation import KeyRotation
from token_service.domain.keys.key_set import KeySet
from token_service.domain.keys.signing_keys import SigningKeys
from token_service.domain.tokens.minting import AccessTokenRequest
from token_service.settings import Settings

SETTINGS = dict(SECRET_KEY=secrets.token_urlsafe(32), ACCESS_TOKEN_EXPIRE_SECONDS=600,
                ID_TOKEN_EXPIRE_SECONDS=300, CLOCK_SKEW_SECONDS=30, JWKS_CACHE_SECONDS=300,
                SIGNING_KEY_REFRESH_SECONDS=30, SIGNING_KEY_ROTATION_DAYS=30)


def _token(world) -> str:
    return world.service.minter.access_token(AccessTokenRequest("u1", "web", ["read"])).token


def _kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def test_policy_follows_the_settings() -> None:
    policy = key_policy(Settings(_env_file=None, **SETTINGS))  # type: ignore[call-arg, arg-type]
    assert policy.rotate_every is not None and policy.rotate_every.days == 30
    assert policy.publish_ahead.total_seconds() == 300 + 30  # beyond every cached JWKS
    assert policy.retire_for.total_seconds() == 600 + 30 + 30  # beyond every token it signed
    never = Settings(_env_file=None, **{**SETTINGS, "SIGNING_KEY_ROTATION_DAYS": 0})  # type: ignore[call-arg, arg-type]
    assert key_policy(never).rotate_every is None


def test_a_rotation_elsewhere_is_picked_up_by_refresh(rotating_world, key_store, clock) -> None:
    world, keys = rotating_world(**SETTINGS)
    before = keys.ring.current()
    old_token = _token(world)
    # Another replica (same table) rotates; this one still signs with the old key …
    other = KeyRotation(key_store, key_policy(Settings(_env_file=None, **SETTINGS)), clock=clock)  # type: ignore[call-arg, arg-type]
    promoted = other.rotate(force=True)
    assert _kid(_token(world)) == before.current_kid
    # … but already verifies the new key's tokens: it was published as next.
    new_kid = next(k.kid for k in promoted.keys if k.state == "current")
    assert before.public_key(new_kid) is not None
    assert keys.refresh() is True
    after = keys.ring.current()
    assert after.current_kid == new_kid and _kid(_token(world)) == new_kid
    assert world.service.validator.validate(old_token)["sub"] == "u1"
    assert keys.refresh() is False and keys.ring.current() is after  # nothing changed: no rebuild


def test_keys_already_parsed_are_reused(rotating_world) -> None:
    _world, keys = rotating_world(**SETTINGS)
    before = keys.ring.current()
    outcome = keys.rotate(force=True)
    after = keys.ring.current()
    assert outcome.rotated and after.current_kid == outcome.current_kid != before.current_kid
    for kid in (before.current_kid, outcome.current_kid):
        assert after.public_key(kid) is before.public_key(kid)
    assert after.etag != before.etag and after.jwks_json != before.jwks_json


def test_retired_key_verifies_until_removed(rotating_world, clock) -> None:
    world, keys = rotating_world(**{**SETTINGS, "CLOCK_SKEW_SECONDS": 0})
    old_kid = keys.ring.current().current_kid
    old_token = _token(world)
    keys.rotate(force=True)
    clock.advance(seconds=629)  # the old key's last tokens may still be live
    keys.refresh()
    assert keys.ring.current().public_key(old_kid) is not None
    assert world.service.validator.validate(old_token)["sub"] == "u1"
    clock.advance(seconds=1)
    assert keys.refresh() is True
    assert keys.ring.current().public_key(old_kid) is None
    assert old_kid not in keys.ring.current().jwks_json
    with pytest.raises(InvalidToken, match="known key"):
        world.service.validator.validate(old_token)


def test_list_and_rotate_never_expose_private_material(rotating_world) -> None:
    _world, keys = rotating_world(**SETTINGS)
    listed = keys.describe()
    assert [k.state for k in listed] in (["current", "next"], ["next", "current"])
    assert not any("PRIVATE" in repr(k) for k in listed)
    outcome = keys.rotate()
    assert not outcome.rotated and outcome.not_before is not None
    assert outcome.current_kid == keys.ring.current().current_kid


def test_a_slow_refresh_never_undoes_a_rotation(key_store, clock, cheap_keys) -> None:
    """The tick reads the keys, a rotation lands meanwhile, then the tick loads what it read."""
    policy = key_policy(Settings(_env_file=None, **SETTINGS))  # type: ignore[call-arg, arg-type]
    KeyRotation(key_store, policy, clock=clock, generate=cheap_keys).check()
    tick_has_read, rotated = threading.Event(), threading.Event()

    @contextmanager
    def slow_uow():
        with key_store() as repo:
            yield repo
        if threading.current_thread().name == "tick":
            tick_has_read.set()
            rotated.wait(0.5)  # without serialisation the rotation completes in here

    keys = SigningKeys(KeyRotation(slow_uow, policy, clock=clock, generate=cheap_keys),
                       KeyRing(KeySet(key_store.keys.values())))
    tick = threading.Thread(target=keys.refresh, name="tick")
    tick.start()
    assert tick_has_read.wait(5)
    outcome = keys.rotate(force=True)
    rotated.set()
    tick.join(5)
    assert keys.ring.current().current_kid == outcome.current_kid
