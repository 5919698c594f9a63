"""Registering a passkey (WebAuthn §7.1) with a software authenticator: "none"
attestation, a discoverable credential, the challenge single use and bound to the session
that asked for it, the origin and RP ID checked, one authenticator registered once."""

from __future__ import annotations

import cbor2
import pytest
from authgate_common.core.errors import AlreadyExists, InvalidRequest
from identity_service.domain.passkeys.challenges import Challenges
from identity_service.domain.passkeys.errors import CeremonyExpired, PasskeyRefused, PasskeysUnavailable
from identity_service.domain.passkeys.registration import Registration
from identity_service.domain.passkeys.relying_party import RelyingParty
from passkey_fakes import ORIGIN, PasskeyCore, make_passkey_core
from soft_authenticator import SoftAuthenticator, b64url, unb64url


@pytest.fixture
def pk() -> PasskeyCore:
    return make_passkey_core()


def register(pk: PasskeyCore, user_id: str, authenticator: SoftAuthenticator, binding: str = "sid-1",
             name: str | None = "Laptop"):
    options = pk.registration.options(user_id, binding)
    return pk.registration.finish(user_id, binding, authenticator.create(options), name)


def test_options_ask_for_a_discoverable_credential_without_attestation(pk: PasskeyCore) -> None:
    user = pk.core.user()
    options = pk.registration.options(user.id, "sid-1")
    assert options["rp"] == {"id": "login.example.com", "name": "login.example.com"}
    assert options["attestation"] == "none"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["user"]["name"] == "alice"
    # The user handle is opaque: not the user id, but stable.
    assert options["user"]["id"] == b64url(pk.rp.user_handle(user.id))
    assert user.id not in str(options)
    assert options["timeout"] == 300_000


def test_a_passkey_is_registered_and_audited(pk: PasskeyCore) -> None:
    user = pk.core.user()
    authenticator = SoftAuthenticator(ORIGIN)
    passkey = register(pk, user.id, authenticator)
    assert passkey.credential_id == authenticator.credential_id
    assert (passkey.name, passkey.backup_eligible, passkey.transports) == ("Laptop", False, ("internal",))
    assert [p.id for p in pk.manage.for_user(user.id)] == [passkey.id]
    assert pk.passkeys.audit.types() == ["mfa.passkey.registered"]


def test_a_synced_passkey_is_stored_backup_eligible(pk: PasskeyCore) -> None:
    user = pk.core.user()
    passkey = register(pk, user.id, SoftAuthenticator(ORIGIN, backup_eligible=True))
    assert passkey.backup_eligible and passkey.backed_up


def test_another_origin_is_refused(pk: PasskeyCore) -> None:
    user = pk.core.user()
    options = pk.registration.options(user.id, "sid-1")
    response = SoftAuthenticator(ORIGIN).create(options, origin="https://evil.example")
    with pytest.raises(PasskeyRefused) as refused:
        pk.registration.finish(user.id, "sid-1", response)
    assert "origin" in refused.value.detail
    assert pk.manage.for_user(user.id) == []


def test_another_rp_id_is_refused(pk: PasskeyCore) -> None:
    user = pk.core.user()
    options = pk.registration.options(user.id, "sid-1")
    response = SoftAuthenticator(ORIGIN).create(options, rp_id="example.org")
    with pytest.raises(PasskeyRefused) as refused:
        pk.registration.finish(user.id, "sid-1", response)
    assert "RP ID" in refused.value.detail


def test_a_challenge_the_server_never_issued_is_refused(pk: PasskeyCore) -> None:
    user = pk.core.user()
    forged = {"challenge": b64url(b"x" * 32), "rp": {"id": "login.example.com"}, "user": {"id": "AA"}}
    with pytest.raises(CeremonyExpired):
        pk.registration.finish(user.id, "sid-1", SoftAuthenticator(ORIGIN).create(forged))


def test_a_registration_response_is_accepted_once(pk: PasskeyCore) -> None:
    user = pk.core.user()
    options = pk.registration.options(user.id, "sid-1")
    response = SoftAuthenticator(ORIGIN).create(options)
    pk.registration.finish(user.id, "sid-1", response)
    with pytest.raises(CeremonyExpired):
        pk.registration.finish(user.id, "sid-1", response)


def test_a_challenge_is_bound_to_the_session_that_asked(pk: PasskeyCore) -> None:
    user = pk.core.user()
    options = pk.registration.options(user.id, "sid-1")
    with pytest.raises(CeremonyExpired):
        pk.registration.finish(user.id, "sid-2", SoftAuthenticator(ORIGIN).create(options))


def test_a_challenge_expires_after_five_minutes(pk: PasskeyCore) -> None:
    user = pk.core.user()
    options = pk.registration.options(user.id, "sid-1")
    pk.clock.now += 301
    with pytest.raises(CeremonyExpired):
        pk.registration.finish(user.id, "sid-1", SoftAuthenticator(ORIGIN).create(options))


def test_one_authenticator_is_registered_once(pk: PasskeyCore) -> None:
    user = pk.core.user()
    authenticator = SoftAuthenticator(ORIGIN)
    register(pk, user.id, authenticator)
    options = pk.registration.options(user.id, "sid-1")
    assert options["excludeCredentials"][0]["id"] == b64url(authenticator.credential_id)
    with pytest.raises(AlreadyExists):
        pk.registration.finish(user.id, "sid-1", authenticator.create(options))


def test_a_registration_needs_user_presence(pk: PasskeyCore) -> None:
    user = pk.core.user()
    options = pk.registration.options(user.id, "sid-1")
    response = SoftAuthenticator(ORIGIN).create(options)
    # Flip the UP bit off in the authenticator data inside the attestation object.
    attestation = cbor2.loads(unb64url(response["response"]["attestationObject"]))
    data = bytearray(attestation["authData"])
    data[32] &= ~0x01
    attestation["authData"] = bytes(data)
    response["response"]["attestationObject"] = b64url(cbor2.dumps(attestation))
    with pytest.raises(PasskeyRefused) as refused:
        pk.registration.finish(user.id, "sid-1", response)
    assert "presence" in refused.value.detail


@pytest.mark.parametrize("garbage", [
    None, "text", {}, {"response": {}}, {"response": {"clientDataJSON": "!!"}},
    {"id": "a", "rawId": "a", "type": "public-key",
     "response": {"clientDataJSON": "e30", "attestationObject": "oA"}}])
def test_malformed_responses_are_refused_not_crashed_on(pk: PasskeyCore, garbage: object) -> None:
    user = pk.core.user()
    pk.registration.options(user.id, "sid-1")
    with pytest.raises((CeremonyExpired, PasskeyRefused)):
        pk.registration.finish(user.id, "sid-1", garbage)


def test_names_are_checked(pk: PasskeyCore) -> None:
    user = pk.core.user()
    options = pk.registration.options(user.id, "sid-1")
    with pytest.raises(InvalidRequest):
        pk.registration.finish(user.id, "sid-1", SoftAuthenticator(ORIGIN).create(options), "x" * 65)
    assert register(pk, user.id, SoftAuthenticator(ORIGIN), name=None).name == "Passkey"


def test_an_ip_address_is_never_an_rp_id(pk: PasskeyCore) -> None:
    rp = RelyingParty.for_issuer("http://127.0.0.1:8000", b"k" * 32)
    assert not rp.available
    assert RelyingParty.for_issuer("http://localhost:8000", b"k" * 32).available
    user = pk.core.user()
    registration = Registration(pk.passkeys, pk.core.users, rp, Challenges(pk.store, b"k" * 32))
    with pytest.raises(PasskeysUnavailable):
        registration.options(user.id, "sid-1")


def test_an_origin_outside_the_rp_id_is_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        RelyingParty.for_issuer("https://login.example.com", b"k" * 32, origins=["https://other.example"])
    rp = RelyingParty.for_issuer("https://login.example.com", b"k" * 32, rp_id="example.com",
                                 origins=["https://login.example.com", "https://app.example.com/"])
    assert rp.origins == ("https://login.example.com", "https://app.example.com")
