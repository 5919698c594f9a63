"""A second-factor code (TOTP or recovery code): accepted once, wrong ones counted by the
login throttle into a lockout with its own count, every failure and use audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest
from identity_service.domain.acting import BY_OPERATOR
from identity_service.domain.mfa.recovery_codes import new_codes, normalize
from identity_service.domain.mfa.second_factor import BY_RECOVERY_CODE, BY_TOTP
from identity_service.domain.verify_password import VerifyPassword
from mfa_fakes import Mfa, make_mfa


@pytest.fixture
def mfa() -> Mfa:
    return make_mfa()


def now_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(datetime.now(UTC))


def test_a_totp_code_is_accepted_once(mfa: Mfa) -> None:
    user = mfa.core.user()
    secret, _ = mfa.enrolled(user)
    code = now_code(secret)
    assert mfa.verify(user, code, "10.0.0.1") == BY_TOTP
    assert mfa.verify(user, code, "10.0.0.1") is None  # the same step again
    assert mfa.factors.audit.types()[-1] == "mfa.failure"


def test_a_recovery_code_works_once_and_is_audited(mfa: Mfa) -> None:
    user = mfa.core.user()
    _, codes = mfa.enrolled(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert mfa.verify(user, codes[0].upper().replace("-", " "), "10.0.0.1") == BY_RECOVERY_CODE
    assert mfa.verify(user, codes[0], "10.0.0.1") is None
    used = [e for e in mfa.factors.audit.events if e.type == "mfa.recovery_code.used"]
    assert used and used[0].details == {"remaining": 9}


def test_recovery_codes_are_stored_as_keyed_hashes_bound_to_the_user(mfa: Mfa) -> None:
    alice, bob = mfa.core.user("alice"), mfa.core.user("bob")
    _, codes = mfa.enrolled(alice)
    stored = {h for (_, h) in mfa.factors.codes}
    assert not any(normalize(c) in stored for c in codes)
    assert mfa.verify(bob, codes[0], "") is None  # alice's code is not bob's


def test_new_recovery_codes_replace_the_old_ones(mfa: Mfa) -> None:
    user = mfa.core.user()
    _, first = mfa.enrolled(user)
    second = mfa.manage.new_recovery_codes(user)
    assert mfa.verify(user, first[1], "") is None
    assert mfa.verify(user, second[1], "") == BY_RECOVERY_CODE
    assert mfa.manage.factors_of(user.id).recovery_codes_left == 9


def test_recovery_codes_look_like_recovery_codes() -> None:
    codes = new_codes()
    assert all(len(c) == 19 and c.count("-") == 3 for c in codes)
    assert normalize("not-a-code") is None and normalize("0000-0000-0000-0000") is None


def test_wrong_codes_lock_the_second_factor_and_a_lockout_refuses_the_right_code(mfa: Mfa) -> None:
    user = mfa.core.user()
    secret, _ = mfa.enrolled(user)
    for _ in range(3):
        assert mfa.verify(user, "000000" if now_code(secret) != "000000" else "111111", "10.0.0.1") is None
    assert mfa.verify(user, now_code(secret), "10.0.0.2") is None  # locked, from anywhere
    types = mfa.factors.audit.types()
    assert types.count("mfa.failure") == 4 and "login.lockout" in types
    reasons = [e.details["reason"] for e in mfa.factors.audit.events if e.type == "mfa.failure"]
    assert reasons == ["wrong_code"] * 3 + ["locked"]


def test_a_correct_password_does_not_reset_the_count_of_wrong_codes(mfa: Mfa) -> None:
    user = mfa.core.user()
    secret, _ = mfa.enrolled(user)
    wrong = "000000" if now_code(secret) != "000000" else "111111"
    for _ in range(2):
        mfa.verify(user, wrong, "10.0.0.1")
        mfa.core.verify("alice", "correct horse battery", "10.0.0.1")  # would reset a shared count
    # Two wrong codes so far with a password success between them: the third locks.
    mfa.verify(user, wrong, "10.0.0.1")
    assert mfa.verify(user, now_code(secret), "10.0.0.1") is None


def test_an_operator_reset_removes_every_factor_and_lifts_the_lockout(mfa: Mfa) -> None:
    user = mfa.core.user()
    mfa.enrolled(user)
    for _ in range(3):
        mfa.verify(user, "not a code", "")
    assert mfa.manage.reset(user, BY_OPERATOR) == 1
    assert mfa.factors.audit.types()[-1] == "user.factors_reset"
    assert mfa.manage.methods(user.id) == set() and mfa.manage.factors_of(user.id).recovery_codes_left == 0
    secret, _ = mfa.enrolled(user)
    assert mfa.verify(user, now_code(secret), "") == BY_TOTP


def test_an_operator_unlock_lifts_the_second_factor_lockout_too(mfa: Mfa) -> None:
    user = mfa.core.user()
    secret, _ = mfa.enrolled(user)
    for _ in range(3):
        mfa.verify(user, "not a code", "")
    assert mfa.verify(user, now_code(secret), "") is None
    VerifyPassword(mfa.core.users, mfa.core.hasher, mfa.throttle).unlock(user)
    assert mfa.verify(user, now_code(secret), "") == BY_TOTP
