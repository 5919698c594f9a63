"""Login protection (OWASP ASVS V2.2.1): per-account and per-address failure counters,
exponential back-off into a lockout, the same answer as a wrong password while locked,
reset on success and by an operator."""

from __future__ import annotations

from authgate_common.core.kv import MemoryStore
from identity_service.domain.throttle import LoginThrottle, ThrottlePolicy

POLICY = ThrottlePolicy(max_failures_per_account=3, max_failures_per_address=5,
                        window_seconds=900, lockout_seconds=60, max_lockout_seconds=600)


def test_backoff_doubles_and_is_capped() -> None:
    assert [POLICY.lockout_after(n, 3) for n in range(1, 9)] == [0, 0, 60, 120, 240, 480, 600, 600]


def test_account_locks_after_its_threshold_and_success_resets() -> None:
    throttle = LoginThrottle(MemoryStore(), POLICY)
    for _ in range(2):
        throttle.failed("alice", "10.0.0.1")
    assert not throttle.is_locked("alice", "10.0.0.1")
    throttle.failed("alice", "10.0.0.1")
    assert throttle.is_locked("alice", "10.0.0.2")  # the account, from any address
    assert not throttle.is_locked("bob", "10.0.0.2")
    throttle.unlock("alice")
    assert not throttle.is_locked("alice", "10.0.0.2")


def test_address_locks_across_accounts() -> None:
    throttle = LoginThrottle(MemoryStore(), POLICY)
    for i in range(5):
        throttle.failed(f"user{i}", "10.0.0.9")
    assert throttle.is_locked("someone-else", "10.0.0.9")
    assert not throttle.is_locked("someone-else", "10.0.0.1")


def test_success_clears_the_account_counter() -> None:
    throttle = LoginThrottle(MemoryStore(), POLICY)
    throttle.failed("alice", "")
    throttle.failed("alice", "")
    throttle.succeeded("alice")
    throttle.failed("alice", "")
    throttle.failed("alice", "")
    assert not throttle.is_locked("alice", "")


def test_a_locked_account_reads_like_a_wrong_password_and_costs_the_same() -> None:
    from identity_fakes import PASSWORD, make_core
    from identity_service.domain.verify_password import VerifyPassword

    core = make_core()
    user = core.user()
    verify = VerifyPassword(core.users, core.hasher, LoginThrottle(MemoryStore(), POLICY))
    for _ in range(3):
        assert verify("alice", "wrong-password", "10.0.0.1") is None
    core.hasher.verified_against.clear()
    assert verify("alice", PASSWORD, "10.0.0.1") is None  # locked: even the right password
    assert core.hasher.verified_against == [core.hasher.dummy_hash]  # one bcrypt, as always
    verify.unlock(user)
    assert verify("alice", PASSWORD, "10.0.0.1") == user
