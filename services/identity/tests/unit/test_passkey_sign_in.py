"""Passwordless sign-in with a passkey (WebAuthn §7.2, user verification required), with
a software authenticator: the session's amr says which kind of passkey and that the user
was verified; replayed, foreign, unverified and counter-regressing assertions are
refused, counted by the login throttle and audited."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import OAuthError
from identity_service.domain.passkeys.challenges import SECOND_FACTOR
from identity_service.domain.passkeys.errors import CeremonyExpired, PasskeyRefused
from passkey_fakes import ORIGIN, PasskeyCore, make_passkey_core
from soft_authenticator import SoftAuthenticator, b64url

BROWSER = "csrf-cookie-of-this-browser"


@pytest.fixture
def pk() -> PasskeyCore:
    return make_passkey_core()


def enrolled(pk: PasskeyCore, username: str = "alice", **kwargs: bool) -> tuple[str, SoftAuthenticator]:
    user = pk.core.user(username)
    authenticator = SoftAuthenticator(ORIGIN, **kwargs)
    options = pk.registration.options(user.id, "sid")
    pk.registration.finish(user.id, "sid", authenticator.create(options))
    return user.id, authenticator


def sign_in(pk: PasskeyCore, authenticator: SoftAuthenticator, **kwargs: object):
    response = authenticator.get(pk.passwordless.options(BROWSER), **kwargs)  # type: ignore[arg-type]
    return pk.passwordless(BROWSER, response, "203.0.113.9", "test-agent")


def test_options_ask_for_any_discoverable_passkey_with_user_verification(pk: PasskeyCore) -> None:
    options = pk.passwordless.options(BROWSER)
    assert options["rpId"] == "login.example.com"
    assert options["userVerification"] == "required"
    assert options["allowCredentials"] == []


def test_a_device_bound_passkey_signs_in_with_two_factors(pk: PasskeyCore) -> None:
    user_id, authenticator = enrolled(pk)
    started = sign_in(pk, authenticator)
    assert started.user_id == user_id
    assert pk.core.sessions.created[-1] == (user_id, "203.0.113.9", "test-agent", ("hwk", "user", "mfa"))
    success = [e for e in pk.core.users.audit.events if e.type == "login.success"][-1]
    assert success.details["amr"] == ["hwk", "user", "mfa"] and success.sid == started.sid
    assert pk.manage.for_user(user_id)[0].sign_count == 1
    assert pk.manage.for_user(user_id)[0].last_used_at is not None


def test_a_synced_passkey_says_swk(pk: PasskeyCore) -> None:
    _, authenticator = enrolled(pk, backup_eligible=True)
    sign_in(pk, authenticator)
    assert pk.core.sessions.created[-1][3] == ("swk", "user", "mfa")


def test_without_user_verification_passwordless_is_refused(pk: PasskeyCore) -> None:
    _, authenticator = enrolled(pk)
    with pytest.raises(PasskeyRefused):
        sign_in(pk, authenticator, uv=False)
    assert pk.core.sessions.created == []
    failure = [e for e in pk.core.users.audit.events if e.type == "login.failure"][-1]
    assert failure.details == {"reason": "passkey"}


def test_an_assertion_is_accepted_once(pk: PasskeyCore) -> None:
    _, authenticator = enrolled(pk)
    response = authenticator.get(pk.passwordless.options(BROWSER))
    pk.passwordless(BROWSER, response, "203.0.113.9", "ua")
    with pytest.raises(CeremonyExpired):
        pk.passwordless(BROWSER, response, "203.0.113.9", "ua")
    assert len(pk.core.sessions.created) == 1


def test_a_signature_counter_that_goes_back_is_refused(pk: PasskeyCore) -> None:
    user_id, authenticator = enrolled(pk)
    sign_in(pk, authenticator)
    sign_in(pk, authenticator)
    authenticator.sign_count = 0  # a cloned authenticator: its counter is behind (§6.1.1)
    with pytest.raises(PasskeyRefused) as refused:
        sign_in(pk, authenticator)
    assert "sign count" in refused.value.detail
    assert pk.manage.for_user(user_id)[0].sign_count == 2


def test_an_authenticator_without_a_counter_may_sign_in_again(pk: PasskeyCore) -> None:
    _, authenticator = enrolled(pk, counts=False)
    sign_in(pk, authenticator)
    sign_in(pk, authenticator)
    assert len(pk.core.sessions.created) == 2


def test_another_origin_is_refused(pk: PasskeyCore) -> None:
    _, authenticator = enrolled(pk)
    with pytest.raises(PasskeyRefused) as refused:
        sign_in(pk, authenticator, origin="https://login.example.com.evil.example")
    assert "origin" in refused.value.detail


def test_a_challenge_issued_to_another_browser_is_refused(pk: PasskeyCore) -> None:
    _, authenticator = enrolled(pk)
    response = authenticator.get(pk.passwordless.options("someone-elses-cookie"))
    with pytest.raises(CeremonyExpired):
        pk.passwordless(BROWSER, response, "203.0.113.9", "ua")


def test_a_second_factor_challenge_cannot_sign_in_passwordless(pk: PasskeyCore) -> None:
    user_id, authenticator = enrolled(pk)
    response = authenticator.get(pk.assertions.options(SECOND_FACTOR, BROWSER, user_id))
    with pytest.raises(CeremonyExpired):
        pk.passwordless(BROWSER, response, "203.0.113.9", "ua")


def test_the_user_handle_must_be_the_credentials_user(pk: PasskeyCore) -> None:
    _, authenticator = enrolled(pk)
    other_id, _ = enrolled(pk, "bob")
    with pytest.raises(PasskeyRefused):
        sign_in(pk, authenticator, user_handle=pk.rp.user_handle(other_id))
    with pytest.raises(PasskeyRefused):
        sign_in(pk, authenticator, user_handle=b"")


def test_a_signature_by_another_key_is_refused(pk: PasskeyCore) -> None:
    _, authenticator = enrolled(pk)
    impostor = SoftAuthenticator(ORIGIN)
    impostor.credential_id, impostor.user_handle, impostor.rp_id = (
        authenticator.credential_id, authenticator.user_handle, authenticator.rp_id)
    impostor.sign_count = 10
    with pytest.raises(PasskeyRefused) as refused:
        sign_in(pk, impostor)
    assert "signature" in refused.value.detail


def test_an_unknown_credential_is_refused(pk: PasskeyCore) -> None:
    stranger = SoftAuthenticator(ORIGIN)
    stranger.rp_id = "login.example.com"
    with pytest.raises(PasskeyRefused):
        sign_in(pk, stranger)


def test_a_disabled_user_cannot_sign_in(pk: PasskeyCore) -> None:
    user_id, authenticator = enrolled(pk)
    pk.core.directory.disable(user_id)
    with pytest.raises(PasskeyRefused):
        sign_in(pk, authenticator)
    assert pk.core.sessions.created == []


def test_refusals_count_towards_the_account_lockout(pk: PasskeyCore) -> None:
    _, authenticator = enrolled(pk)
    for _ in range(3):  # the fixture's policy locks the account at the third failure
        with pytest.raises(PasskeyRefused):
            sign_in(pk, authenticator, uv=False)
    assert "login.lockout" in pk.core.users.audit.types()
    with pytest.raises(PasskeyRefused):
        sign_in(pk, authenticator)  # a good assertion, but the account is locked
    assert pk.core.sessions.created == []


@pytest.mark.parametrize("garbage", [
    {"rawId": "AA", "response": {"clientDataJSON": b64url(b'{"challenge": 5}')}},
    {"rawId": 7, "response": {"clientDataJSON": "e30"}}, [], "null"])
def test_malformed_assertions_are_refused_not_crashed_on(pk: PasskeyCore, garbage: object) -> None:
    with pytest.raises(OAuthError) as refused:
        pk.passwordless(BROWSER, garbage, "203.0.113.9", "ua")
    assert refused.value.status_code in (400, 401)


def test_a_truncated_signature_is_refused(pk: PasskeyCore) -> None:
    _, authenticator = enrolled(pk)
    response = authenticator.get(pk.passwordless.options(BROWSER))
    response["response"]["signature"] = response["response"]["signature"][:10]
    with pytest.raises(PasskeyRefused):
        pk.passwordless(BROWSER, response, "203.0.113.9", "ua")
