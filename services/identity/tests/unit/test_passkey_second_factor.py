"""A passkey as the second factor after the password, and for a step-up of a live
session (domain/passkeys/second_factor.py over domain/mfa's pending sign-in), with a
software authenticator: the session's amr names both factors; the challenge is bound to
the pending sign-in; another user's passkey is refused and counted like a wrong code."""

from __future__ import annotations

import pytest
from identity_fakes import PASSWORD
from identity_service.domain.mfa.complete import SignInExpired
from identity_service.domain.mfa.sign_in import SecondFactorDue
from identity_service.domain.passkeys.challenges import PASSWORDLESS
from identity_service.domain.passkeys.errors import CeremonyExpired, PasskeyRefused
from passkey_fakes import ORIGIN, PasskeyCore, make_passkey_core
from soft_authenticator import SoftAuthenticator, b64url

IP, UA = "198.51.100.7", "test-agent"


@pytest.fixture
def pk() -> PasskeyCore:
    return make_passkey_core()


def enrolled(pk: PasskeyCore, username: str = "alice", **kwargs: bool) -> tuple[str, SoftAuthenticator]:
    user = pk.core.user(username)
    authenticator = SoftAuthenticator(ORIGIN, **kwargs)
    pk.registration.finish(user.id, "sid", authenticator.create(pk.registration.options(user.id, "sid")))
    return user.id, authenticator


def after_password(pk: PasskeyCore, username: str = "alice") -> str:
    due = pk.mfa.sign_in(username, PASSWORD, IP, UA, return_to="/authorize?x=1")
    assert isinstance(due, SecondFactorDue) and not due.enrol
    return due.cookie


def test_a_passkey_makes_the_user_ask_for_a_second_factor(pk: PasskeyCore) -> None:
    user_id, _ = enrolled(pk)
    assert pk.mfa.manage.methods(user_id) == {"webauthn"}
    after_password(pk)
    assert pk.core.sessions.created == []  # no session before the second factor


def test_the_password_and_a_passkey_sign_in_with_mfa(pk: PasskeyCore) -> None:
    user_id, authenticator = enrolled(pk)
    cookie = after_password(pk)
    options = pk.second_factor.options(cookie)
    assert [c["id"] for c in options["allowCredentials"]] == [b64url(authenticator.credential_id)]
    assert options["userVerification"] == "preferred"
    completed = pk.second_factor(cookie, authenticator.get(options), IP, UA)
    assert completed.return_to == "/authorize?x=1"
    assert pk.core.sessions.created[-1] == (user_id, IP, UA, ("pwd", "hwk", "user", "mfa"))
    with pytest.raises(SignInExpired):  # the pending sign-in is used up
        pk.second_factor.options(cookie)


def test_a_passkey_without_user_verification_is_still_a_second_factor(pk: PasskeyCore) -> None:
    _, authenticator = enrolled(pk, backup_eligible=True)
    cookie = after_password(pk)
    pk.second_factor(cookie, authenticator.get(pk.second_factor.options(cookie), uv=False), IP, UA)
    assert pk.core.sessions.created[-1][3] == ("pwd", "swk", "mfa")


def test_another_users_passkey_is_refused_and_counted(pk: PasskeyCore) -> None:
    enrolled(pk)
    _, bobs = enrolled(pk, "bob")
    cookie = after_password(pk)
    for _ in range(3):  # the policy locks the account's second factor at the third failure
        with pytest.raises(PasskeyRefused):
            pk.second_factor(cookie, bobs.get(pk.second_factor.options(cookie)), IP, UA)
    assert pk.core.sessions.created == []
    audit = pk.core.users.audit
    assert [e.details for e in audit.events if e.type == "mfa.failure"][0] == {"reason": "passkey"}
    assert "login.lockout" in audit.types()


def test_a_locked_second_factor_refuses_even_the_right_passkey(pk: PasskeyCore) -> None:
    _, authenticator = enrolled(pk)
    cookie = after_password(pk)
    for _ in range(3):
        with pytest.raises(PasskeyRefused):
            wrong = authenticator.get(pk.second_factor.options(cookie), origin="https://x.example")
            pk.second_factor(cookie, wrong, IP, UA)
    with pytest.raises(PasskeyRefused):
        pk.second_factor(cookie, authenticator.get(pk.second_factor.options(cookie)), IP, UA)
    assert pk.core.sessions.created == []


def test_the_challenge_is_bound_to_its_pending_sign_in(pk: PasskeyCore) -> None:
    _, authenticator = enrolled(pk)
    first, second = after_password(pk), after_password(pk)
    response = authenticator.get(pk.second_factor.options(first))
    with pytest.raises(CeremonyExpired):
        pk.second_factor(second, response, IP, UA)
    assert pk.core.sessions.created == []
    pk.second_factor(first, authenticator.get(pk.second_factor.options(first)), IP, UA)


def test_a_passwordless_challenge_is_no_second_factor(pk: PasskeyCore) -> None:
    _, authenticator = enrolled(pk)
    cookie = after_password(pk)
    response = authenticator.get(pk.assertions.options(PASSWORDLESS, cookie))
    with pytest.raises(CeremonyExpired):
        pk.second_factor(cookie, response, IP, UA)


def test_without_a_pending_sign_in_there_is_nothing_to_confirm(pk: PasskeyCore) -> None:
    with pytest.raises(SignInExpired):
        pk.second_factor.options("no-such-cookie")


def test_a_passkey_steps_a_password_session_up(pk: PasskeyCore) -> None:
    user_id, authenticator = enrolled(pk)
    live = pk.mfa.gate.session(user_id, ("pwd",))
    due = pk.mfa.step_up(live, "/authorize?acr_values=urn:authgate:acr:mfa")
    assert due is not None
    response = authenticator.get(pk.second_factor.options(due.cookie))
    completed = pk.second_factor(due.cookie, response, IP, UA, live.token)
    assert completed.session.sid == live.sid and completed.session.token != live.token
    assert pk.mfa.gate.elevated == [(live.sid, ("hwk", "user", "mfa"))]
    assert pk.mfa.gate.live[completed.session.token].amr == ("pwd", "hwk", "user", "mfa")
