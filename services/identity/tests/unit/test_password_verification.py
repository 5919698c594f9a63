"""VerifyPassword: one bcrypt verification whoever asks, and the same answer for every failure."""

from __future__ import annotations

import re

import pytest
from identity_fakes import PASSWORD, Core, SpyHasher, make_core
from identity_service.domain.passwords import PasswordHasher


def _cost(bcrypt_hash: str) -> int:
    match = re.match(r"^\$2[aby]\$(\d\d)\$", bcrypt_hash)
    assert match, bcrypt_hash
    return int(match.group(1))


def test_the_right_password_returns_the_user(core: Core) -> None:
    user = core.user()
    assert core.verify("alice", PASSWORD) == user
    assert core.verify("ALICE", PASSWORD) == user  # the same account, whatever the case


def test_a_wrong_password_fails(core: Core) -> None:
    core.user()
    assert core.verify("alice", PASSWORD + "!") is None


def test_an_unknown_user_is_verified_against_the_dummy_hash(core: Core) -> None:
    core.user()
    core.hasher.verified_against.clear()
    assert core.verify("ghost", PASSWORD) is None
    assert core.hasher.verified_against == [core.hasher.dummy_hash]


@pytest.mark.parametrize("rounds", [4, 6])
def test_the_dummy_hash_costs_what_a_real_one_does(rounds: int) -> None:
    hasher = PasswordHasher(rounds)
    assert _cost(hasher.dummy_hash) == rounds == _cost(hasher.hash(PASSWORD))


def test_a_disabled_user_fails_exactly_like_an_unknown_one(core: Core) -> None:
    user = core.user()
    core.directory.disable(user.id)
    core.hasher.verified_against.clear()
    assert core.verify("alice", PASSWORD) is None
    assert core.hasher.verified_against == [core.hasher.dummy_hash]


@pytest.mark.parametrize("password", [PASSWORD + "x" * 60, "\x00" + PASSWORD, "\ud800" + PASSWORD])
def test_unusable_passwords_are_wrong_but_still_cost_one_verification(core: Core, password: str) -> None:
    user = core.user()
    core.hasher.verified_against.clear()
    assert core.verify("alice", password) is None
    assert core.hasher.verified_against == [user.password_hash]


@pytest.mark.parametrize("username", ["", "\x00", "al\x00ice", "\ud800", "a" * 10_000])
def test_odd_usernames_are_unknown_users_not_errors(core: Core, username: str) -> None:
    core.user()
    core.hasher.verified_against.clear()
    assert core.verify(username, PASSWORD) is None
    assert core.hasher.verified_against == [core.hasher.dummy_hash]


def test_a_raised_cost_upgrades_the_hash_at_the_next_login() -> None:
    old = make_core(hasher=SpyHasher(4))
    user = old.user()
    upgraded = make_core(users=old.users, hasher=SpyHasher(5))
    assert upgraded.verify("alice", PASSWORD) is not None
    stored = upgraded.users.rows[user.id]
    assert _cost(stored.password_hash) == 5
    assert stored.updated_at == user.updated_at  # a rehash is not a profile change
    assert upgraded.verify("alice", PASSWORD) is not None


def test_a_wrong_password_does_not_upgrade_the_hash() -> None:
    old = make_core(hasher=SpyHasher(4))
    user = old.user()
    upgraded = make_core(users=old.users, hasher=SpyHasher(5))
    assert upgraded.verify("alice", "not the password") is None
    assert upgraded.users.rows[user.id].password_hash == user.password_hash
