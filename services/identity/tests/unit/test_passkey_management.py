"""A person's passkeys on the account page: listed with the other factors, renamed and
removed by their owner only (audited), and all removed by an operator's factor reset."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidRequest, NotFound
from identity_service.domain.acting import BY_OPERATOR
from identity_service.domain.passkeys.errors import PasskeyRefused
from passkey_fakes import ORIGIN, PasskeyCore, make_passkey_core
from soft_authenticator import SoftAuthenticator


@pytest.fixture
def pk() -> PasskeyCore:
    return make_passkey_core()


def add(pk: PasskeyCore, user_id: str, name: str = "Laptop") -> str:
    options = pk.registration.options(user_id, "sid")
    return pk.registration.finish(user_id, "sid", SoftAuthenticator(ORIGIN).create(options), name).id


def test_passkeys_are_listed_with_the_other_factors(pk: PasskeyCore) -> None:
    user = pk.core.user()
    passkey_id = add(pk, user.id)
    listed = pk.mfa.manage.factors_of(user.id).factors
    assert [(f.kind, f.id, f.label) for f in listed] == [("webauthn", passkey_id, "Laptop")]


def test_the_owner_renames_a_passkey(pk: PasskeyCore) -> None:
    user = pk.core.user()
    passkey_id = add(pk, user.id)
    assert pk.manage.rename(user.id, passkey_id, "  Work laptop ", sid="s1").name == "Work laptop"
    assert pk.manage.for_user(user.id)[0].name == "Work laptop"
    renamed = pk.passkeys.audit.events[-1]
    assert (renamed.type, renamed.subject, renamed.sid) == ("mfa.passkey.renamed", user.id, "s1")


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "bad\x00name"])
def test_a_name_must_be_readable_text(pk: PasskeyCore, name: str) -> None:
    user = pk.core.user()
    passkey_id = add(pk, user.id)
    with pytest.raises(InvalidRequest):
        pk.manage.rename(user.id, passkey_id, name)


def test_the_owner_removes_a_passkey(pk: PasskeyCore) -> None:
    user = pk.core.user()
    passkey_id = add(pk, user.id)
    pk.manage.remove(user.id, passkey_id)
    assert pk.manage.for_user(user.id) == []
    assert pk.passkeys.audit.types()[-1] == "mfa.passkey.removed"
    assert pk.mfa.manage.methods(user.id) == set()


def test_someone_elses_passkey_reads_as_not_found(pk: PasskeyCore) -> None:
    alice, bob = pk.core.user("alice"), pk.core.user("bob")
    passkey_id = add(pk, alice.id)
    with pytest.raises(NotFound):
        pk.manage.rename(bob.id, passkey_id, "mine now")
    with pytest.raises(NotFound):
        pk.manage.remove(bob.id, passkey_id)
    with pytest.raises(NotFound):
        pk.manage.remove(alice.id, "no-such-id")
    assert len(pk.manage.for_user(alice.id)) == 1


def test_an_operators_reset_removes_every_passkey(pk: PasskeyCore) -> None:
    user = pk.core.user()
    add(pk, user.id, "one")
    add(pk, user.id, "two")
    assert pk.mfa.manage.reset(user, BY_OPERATOR) == 2
    assert pk.manage.for_user(user.id) == []


def test_a_removed_passkey_no_longer_signs_in(pk: PasskeyCore) -> None:
    user = pk.core.user()
    authenticator = SoftAuthenticator(ORIGIN)
    options = pk.registration.options(user.id, "sid")
    passkey = pk.registration.finish(user.id, "sid", authenticator.create(options))
    pk.manage.remove(user.id, passkey.id)
    with pytest.raises(PasskeyRefused):
        pk.passwordless("browser", authenticator.get(pk.passwordless.options("browser")), "192.0.2.1", "ua")
