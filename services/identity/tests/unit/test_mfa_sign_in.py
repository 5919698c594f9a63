"""Sign-in with a second factor (issue 19): the password alone makes a session only when
no second factor is due; otherwise a pending sign-in (no session) carries the user to
the code, or to setting up TOTP first; step-up elevates the live session."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pyotp
import pytest
from authgate_common.core.acr import ACR_MFA, ACR_PASSWORD
from identity_fakes import PASSWORD
from identity_service.domain.mfa.complete import SignInExpired
from identity_service.domain.mfa.enrol import TooManyFactors
from identity_service.domain.mfa.sign_in import SecondFactorDue
from identity_service.domain.ports import StartedSession
from mfa_fakes import Mfa, make_mfa


@pytest.fixture
def mfa() -> Mfa:
    return make_mfa()


def sign_in(mfa: Mfa, acr: str | None = None, username: str = "alice") -> StartedSession | SecondFactorDue:
    return mfa.sign_in(username, PASSWORD, "10.0.0.1", "test-agent", return_to="/authorize?x=1", acr=acr)


def test_a_user_without_factors_gets_a_password_session(mfa: Mfa) -> None:
    mfa.core.user()
    assert isinstance(sign_in(mfa, ACR_PASSWORD), StartedSession)
    assert mfa.core.sessions.created[-1][3] == ("pwd",)


def test_an_enrolled_user_gets_no_session_until_the_code(mfa: Mfa) -> None:
    user = mfa.core.user()
    secret, _ = mfa.enrolled(user)
    due = sign_in(mfa)
    assert isinstance(due, SecondFactorDue) and not due.enrol
    assert mfa.core.sessions.created == []
    assert mfa.complete.with_code(due.cookie, "000000" if pyotp.TOTP(secret).now() != "000000" else "1",
                                  "10.0.0.1", "ua") is None
    done = mfa.complete.with_code(due.cookie, pyotp.TOTP(secret).now(), "10.0.0.1", "ua")
    assert done is not None and done.return_to == "/authorize?x=1"
    assert mfa.core.sessions.created[-1][3] == ("pwd", "otp", "mfa")
    assert mfa.core.users.audit.events[-1].details == {"amr": ["pwd", "otp", "mfa"]}


def test_a_pending_sign_in_is_single_use_and_stores_no_cookie_value(mfa: Mfa) -> None:
    user = mfa.core.user()
    _, codes = mfa.enrolled(user)
    due = cast(SecondFactorDue, sign_in(mfa))
    assert not any(due.cookie in k for k in mfa.kv._data)
    assert mfa.complete.with_code(due.cookie, codes[0], "", "ua") is not None
    with pytest.raises(SignInExpired):
        mfa.complete.with_code(due.cookie, codes[1], "", "ua")


def test_mfa_required_or_the_acr_hint_sends_a_user_without_factors_to_enrol(mfa: Mfa) -> None:
    mfa.core.user("alice")
    due = sign_in(mfa, ACR_MFA)
    assert isinstance(due, SecondFactorDue) and due.enrol
    bob = mfa.core.user("bob")
    with mfa.core.users() as users:
        users.save(bob.__class__(**{**bob.__dict__, "mfa_required": True}))
    due = sign_in(mfa, None, "bob")
    assert isinstance(due, SecondFactorDue) and due.enrol


def test_enrolling_at_sign_in_finishes_it_with_two_factors(mfa: Mfa) -> None:
    user = mfa.core.user()
    due = cast(SecondFactorDue, sign_in(mfa, ACR_MFA))
    offer = mfa.enrol.offer(user)
    done, codes = mfa.complete.with_enrolment(due.cookie, offer.token, pyotp.TOTP(offer.secret).now(),
                                              "", "10.0.0.1", "ua")
    assert len(codes) == 10 and done.session.user_id == user.id
    assert mfa.core.sessions.created[-1][3] == ("pwd", "otp", "mfa")


def test_a_user_with_a_factor_cannot_enrol_another_at_sign_in(mfa: Mfa) -> None:
    user = mfa.core.user()
    mfa.enrolled(user)
    due = cast(SecondFactorDue, sign_in(mfa))
    offer = mfa.enrol.offer(user)
    with pytest.raises(TooManyFactors):
        mfa.complete.with_enrolment(due.cookie, offer.token, pyotp.TOTP(offer.secret).now(), "", "", "ua")
    assert len(mfa.manage.factors_of(user.id).factors) == 1


def test_a_disabled_user_cannot_finish_a_pending_sign_in(mfa: Mfa) -> None:
    user = mfa.core.user()
    secret, _ = mfa.enrolled(user)
    due = cast(SecondFactorDue, sign_in(mfa))
    with mfa.core.users() as users:
        users.save(user.__class__(**{**user.__dict__, "disabled": True}))
    with pytest.raises(SignInExpired):
        mfa.complete.with_code(due.cookie, pyotp.TOTP(secret).now(), "", "ua")


def test_step_up_elevates_the_live_session_and_keeps_its_sid(mfa: Mfa) -> None:
    user = mfa.core.user()
    secret, _ = mfa.enrolled(user)
    live = mfa.gate.session(user.id)
    due = mfa.step_up(live, "/authorize?acr_values=urn:authgate:acr:mfa")
    assert due is not None and not due.enrol
    done = mfa.complete.with_code(due.cookie, pyotp.TOTP(secret).now(), "", "ua", live.token)
    assert done is not None and done.session.sid == live.sid and done.session.token != live.token
    assert mfa.gate.elevated == [(live.sid, ("otp", "mfa"))]
    assert mfa.gate.validate_session(done.session.token).amr == ("pwd", "otp", "mfa")  # type: ignore[union-attr]
    assert mfa.core.sessions.created == []  # no new session
    assert mfa.step_up(mfa.gate.validate_session(done.session.token), "/") is None  # type: ignore[arg-type]


def test_step_up_needs_the_same_session_cookie(mfa: Mfa) -> None:
    user = mfa.core.user()
    secret, _ = mfa.enrolled(user)
    live, other = mfa.gate.session(user.id), mfa.gate.session(user.id)
    due = mfa.step_up(live, "/")
    assert due is not None
    with pytest.raises(SignInExpired):
        mfa.complete.with_code(due.cookie, pyotp.TOTP(secret).now(), "", "ua", other.token)
    assert mfa.gate.elevated == []


def test_the_pending_sign_in_expires(mfa: Mfa) -> None:
    user = mfa.core.user()
    secret, _ = mfa.enrolled(user)
    due = cast(SecondFactorDue, sign_in(mfa))
    mfa.kv._clock = lambda: datetime.now(UTC).timestamp() + 10**10
    with pytest.raises(SignInExpired):
        mfa.complete.with_code(due.cookie, pyotp.TOTP(secret).now(), "", "ua")
