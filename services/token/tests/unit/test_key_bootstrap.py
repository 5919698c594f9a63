"""Signing key start-up: create the first key once, reuse it afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from token_service.domain.key_bootstrap import load_or_create_keys
from token_service.domain.keys import KeyConflict, StoredKey, generate_signing_key


class FakeKeyRepository:
    def __init__(self) -> None:
        self.keys: list[StoredKey] = []
        self.locks = 0

    def lock(self) -> None:
        self.locks += 1

    def list_keys(self) -> list[StoredKey]:
        return list(self.keys)

    def add(self, key: StoredKey) -> None:
        self.keys.append(key)


def _uow(repo: FakeKeyRepository):  # type: ignore[no-untyped-def]
    @contextmanager
    def uow() -> Iterator[FakeKeyRepository]:
        yield repo
    return uow


def test_first_start_creates_one_current_rs256_key() -> None:
    repo = FakeKeyRepository()
    keys = load_or_create_keys(_uow(repo))
    assert len(repo.keys) == 1 and repo.locks == 1
    stored = repo.keys[0]
    assert stored.state == "current" and stored.alg == "RS256" and keys.current_kid == stored.kid
    assert stored.public_jwk == {"kty": "RSA", "n": stored.public_jwk["n"], "e": "AQAB",
                                 "kid": stored.kid, "use": "sig", "alg": "RS256"}
    assert keys.jwks() == {"keys": [stored.public_jwk]}
    assert "d" not in keys.jwks()["keys"][0]


def test_later_starts_reuse_the_key_without_locking() -> None:
    repo = FakeKeyRepository()
    first = load_or_create_keys(_uow(repo))
    second = load_or_create_keys(_uow(repo))
    assert second.current_kid == first.current_kid and len(repo.keys) == 1 and repo.locks == 1


def test_jwks_publishes_next_current_and_retired_keys() -> None:
    now = datetime.now(UTC)
    repo = FakeKeyRepository()
    repo.keys = [generate_signing_key(now, "retired"), generate_signing_key(now, "current"),
                 generate_signing_key(now, "next")]
    keys = load_or_create_keys(_uow(repo))
    assert keys.current_kid == repo.keys[1].kid
    assert [k["kid"] for k in keys.jwks()["keys"]] == [k.kid for k in repo.keys]
    assert all(keys.public_key(k.kid) is not None for k in repo.keys)


def test_a_concurrent_writer_is_read_back() -> None:
    repo = FakeKeyRepository()
    other = generate_signing_key(datetime.now(UTC))
    attempts = []

    @contextmanager
    def racing_uow() -> Iterator[FakeKeyRepository]:
        attempts.append(1)
        if len(attempts) == 1:
            repo.keys.append(other)  # the other replica commits first …
            yield FakeKeyRepository()
            raise KeyConflict()  # … so our insert conflicts
        yield repo

    assert load_or_create_keys(racing_uow).current_kid == other.kid
