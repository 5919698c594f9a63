"""Setting up TOTP: nothing is stored until the app's first code is right; the offered
secret travels sealed to its user (AES-GCM) and expires; the first factor brings ten
recovery codes; removing one is audited."""

from __future__ import annotations

import pyotp
import pytest
from authgate_common.core.errors import NotFound
from identity_service.domain.mfa.enrol import MAX_TOTP_FACTORS, EnrolmentExpired, TooManyFactors, WrongCode
from identity_service.domain.mfa.secret_box import SecretBox
from mfa_fakes import Mfa, make_mfa


@pytest.fixture
def mfa() -> Mfa:
    return make_mfa()


def test_a_wrong_first_code_stores_nothing_and_the_offer_can_be_shown_again(mfa: Mfa) -> None:
    user = mfa.core.user()
    offer = mfa.enrol.offer(user)
    assert offer.secret not in offer.token and offer.uri.startswith("otpauth://totp/authgate.test:alice?")
    wrong = "000000" if pyotp.TOTP(offer.secret).now() != "000000" else "111111"
    with pytest.raises(WrongCode):
        mfa.enrol.confirm(user, offer.token, wrong)
    assert mfa.factors.totp == {}
    again = mfa.enrol.reopen(user, offer.token)
    assert again is not None and again.secret == offer.secret


def test_an_offer_is_for_its_user_only(mfa: Mfa) -> None:
    alice, bob = mfa.core.user("alice"), mfa.core.user("bob")
    offer = mfa.enrol.offer(alice)
    with pytest.raises(EnrolmentExpired):
        mfa.enrol.confirm(bob, offer.token, pyotp.TOTP(offer.secret).now())
    with pytest.raises(EnrolmentExpired):
        mfa.enrol.confirm(alice, offer.token[:-2] + "AA", pyotp.TOTP(offer.secret).now())


def test_an_offer_expires() -> None:
    box = SecretBox(b"k" * 32)
    token = box.seal_token({"s": "x"}, "ctx", ttl_seconds=-1)
    assert box.open_token(token, "ctx") is None
    assert box.open_token(box.seal_token({"s": "x"}, "ctx", 60), "ctx") == {"s": "x"}
    assert box.open_token("!!!", "ctx") is None and box.open_token("", "ctx") is None


def test_the_first_factor_brings_recovery_codes_and_later_ones_do_not(mfa: Mfa) -> None:
    user = mfa.core.user()
    _, codes = mfa.enrolled(user)
    assert len(codes) == 10
    _, more = mfa.enrolled(user)
    assert more == [] and mfa.manage.factors_of(user.id).recovery_codes_left == 10
    types = mfa.factors.audit.types()
    assert types.count("mfa.totp.enrolled") == 2 and types.count("mfa.recovery_codes.generated") == 1


def test_a_confirmed_offer_cannot_be_confirmed_twice(mfa: Mfa) -> None:
    user = mfa.core.user()
    offer = mfa.enrol.offer(user)
    mfa.enrol.confirm(user, offer.token, pyotp.TOTP(offer.secret).now())
    with pytest.raises(EnrolmentExpired):
        mfa.enrol.confirm(user, offer.token, pyotp.TOTP(offer.secret).now())


def test_the_number_of_apps_is_limited(mfa: Mfa) -> None:
    user = mfa.core.user()
    for _ in range(MAX_TOTP_FACTORS):
        mfa.enrolled(user)
    with pytest.raises(TooManyFactors):
        mfa.enrolled(user)


def test_removing_an_app_is_audited_and_only_the_owner_can(mfa: Mfa) -> None:
    alice, bob = mfa.core.user("alice"), mfa.core.user("bob")
    mfa.enrolled(alice)
    factor = mfa.manage.factors_of(alice.id).factors[0]
    assert factor.kind == "totp" and factor.label == "phone"
    with pytest.raises(NotFound):
        mfa.manage.remove_totp(bob, factor.id, bob.id)
    mfa.manage.remove_totp(alice, factor.id, alice.id, "10.0.0.1")
    assert mfa.manage.methods(alice.id) == set()
    assert mfa.factors.audit.types()[-1] == "mfa.totp.removed"


def test_the_secret_at_rest_is_bound_to_its_row() -> None:
    box = SecretBox(b"k" * 32)
    sealed = box.seal(b"JBSWY3DPEHPK3PXP", "totp:alice:f1")
    assert b"JBSWY3DPEHPK3PXP" not in sealed
    assert box.open(sealed, "totp:alice:f1") == b"JBSWY3DPEHPK3PXP"
    assert box.open(sealed, "totp:bob:f1") is None
    assert SecretBox(b"j" * 32).open(sealed, "totp:alice:f1") is None
