"""Unit tests of the token core run on in-memory fakes (token_fakes.py)."""

from __future__ import annotations

import secrets
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from token_service.bootstrap import key_policy
from token_service.domain.keys.key_rotation import KeyRotation
from token_service.domain.keys.key_set import KeySet, StoredKey, generate_signing_key
from token_service.domain.keys.signing_keys import SigningKeys
from token_service.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))  # for token_fakes (tests have no package)
from token_fakes import (  # noqa: E402
    Calls,
    FakeClock,
    FakeKeyStore,
    World,
    add_lifecycle_clients,
    forge,
    grant,
    make_world,
)


@pytest.fixture(scope="session")
def signing_key() -> StoredKey:
    return generate_signing_key(datetime.now(UTC))


@pytest.fixture(scope="session")
def keys(signing_key: StoredKey) -> KeySet:
    return KeySet([signing_key])


@pytest.fixture(scope="session")
def other_keys() -> KeySet:
    return KeySet([generate_signing_key(datetime.now(UTC))])


@pytest.fixture
def world(keys: KeySet, signing_key: StoredKey) -> World:
    return make_world(keys, signing_key)


@pytest.fixture
def world_factory(keys: KeySet, signing_key: StoredKey):
    """A world with other settings, e.g. world_factory(REFRESH_REUSE_GRACE_SECONDS=10)."""
    return lambda **overrides: make_world(keys, signing_key, **overrides)


@pytest.fixture
def make_grant():
    return grant


@pytest.fixture
def forge_token():
    """Build a compact JWS with any header and claims, signed by the given function."""
    return forge


@pytest.fixture
def calls(world: World) -> Calls:
    add_lifecycle_clients(world)
    return Calls(world)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def key_store() -> FakeKeyStore:
    return FakeKeyStore()


@pytest.fixture
def rotating_world(keys: KeySet, signing_key: StoredKey, key_store: FakeKeyStore,
                   clock: FakeClock):
    """A world whose keys live in `key_store` on the fake `clock` (real, distinct RSA keys):
    rotating_world(**settings) → (world, signing_keys)."""
    def make(**overrides: Any) -> tuple[World, SigningKeys]:
        settings = Settings(_env_file=None,  # type: ignore[call-arg]
                            **{"SECRET_KEY": secrets.token_urlsafe(32), **overrides})
        signing_keys = SigningKeys.start(KeyRotation(key_store, key_policy(settings), clock=clock))
        return make_world(keys, signing_key, signing_keys, **overrides), signing_keys
    return make


@pytest.fixture(scope="session")
def cheap_keys(signing_key: StoredKey):
    """A key generator for lifecycle tests: fresh kids on one RSA key (no 2048-bit keygen)."""
    def generate(now: datetime, state: str = "current") -> StoredKey:
        kid = secrets.token_urlsafe(16)
        return replace(signing_key, kid=kid, state=state, public_jwk={**signing_key.public_jwk, "kid": kid},
                       created_at=now, activated_at=now if state == "current" else None, retired_at=None)
    return generate
