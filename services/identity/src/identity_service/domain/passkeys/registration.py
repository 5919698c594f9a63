"""Registering a passkey (WebAuthn §7.1 "Registering a New Credential") for a signed-in user.

Options ask for a discoverable credential (resident key required, §5.4.6), so the passkey
can later sign in without a username, and for no attestation ("none", §5.4.7): authgate
trusts the ceremony, not a vendor certificate. The user's passkeys are excluded (§5.4
excludeCredentials), so one authenticator is not registered twice. The library checks
type, challenge, origin, RP ID hash, user presence and the public key's algorithm (§7.1
steps 7-21); the challenge is single use and bound to the session (challenges.py); a
credential id already registered — to anyone — is refused (§7.1 step 26).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from authgate_common.core.audit import AuditEvent
from authgate_common.core.errors import InvalidRequest
from webauthn import generate_registration_options, verify_registration_response
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    CredentialDeviceType,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ..ports import UserUnitOfWork
from .challenges import REGISTRATION, Challenges, challenge_of
from .errors import PasskeyRefused, PasskeysUnavailable
from .model import Passkey, passkey_name
from .ports import PasskeyUnitOfWork
from .relying_party import RelyingParty
from .webauthn_calls import as_json, checked, descriptors, known_transports

MAX_PER_USER = 20
ALGORITHMS = [COSEAlgorithmIdentifier.ECDSA_SHA_256, COSEAlgorithmIdentifier.EDDSA,
              COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256]


class Registration:
    def __init__(self, passkeys: PasskeyUnitOfWork, users: UserUnitOfWork, rp: RelyingParty,
                 challenges: Challenges, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._passkeys = passkeys
        self._users = users
        self._rp = rp
        self._challenges = challenges
        self._now = now

    def options(self, user_id: str, binding: str) -> dict[str, Any]:
        """PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create()."""
        if not self._rp.available:
            raise PasskeysUnavailable()
        with self._users() as users:
            user = users.get(user_id)
        if user is None or user.disabled:
            raise PasskeyRefused(detail="no such live user")
        with self._passkeys() as passkeys:
            existing = passkeys.list_for_user(user_id)
        options = generate_registration_options(
            rp_id=self._rp.rp_id, rp_name=self._rp.name, user_name=user.username,
            user_id=self._rp.user_handle(user.id), user_display_name=user.name or user.username,
            challenge=self._challenges.issue(REGISTRATION, binding, user.id),
            timeout=self._challenges.ttl_seconds * 1000,
            attestation=AttestationConveyancePreference.NONE,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.PREFERRED),
            exclude_credentials=descriptors(existing), supported_pub_key_algs=ALGORITHMS)
        return as_json(options)

    def finish(self, user_id: str, binding: str, credential: Any, name: str | None = None,
               sid: str = "") -> Passkey:
        """Verify the browser's attestation and store the passkey."""
        if not self._rp.available:
            raise PasskeysUnavailable()
        label = passkey_name(name)
        issued = self._challenges.take(challenge_of(credential), REGISTRATION, binding)
        if issued.user_id != user_id:
            raise PasskeyRefused(detail="challenge issued to another user")
        verified = checked(lambda: verify_registration_response(
            credential=credential, expected_challenge=issued.challenge, expected_rp_id=self._rp.rp_id,
            expected_origin=list(self._rp.origins), supported_pub_key_algs=ALGORITHMS))
        passkey = Passkey(
            id=str(uuid.uuid4()), user_id=user_id, credential_id=verified.credential_id,
            public_key=verified.credential_public_key, sign_count=verified.sign_count,
            transports=known_transports(credential),
            backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
            backed_up=verified.credential_backed_up, name=label, created_at=self._now())
        with self._passkeys() as passkeys:
            if len(passkeys.list_for_user(user_id)) >= MAX_PER_USER:
                raise InvalidRequest(f"At most {MAX_PER_USER} passkeys per account.")
            passkeys.add(passkey)  # AlreadyExists: that authenticator's credential is registered
            passkeys.audit.record(AuditEvent("mfa.passkey.registered", user_id, user_id, sid=sid, details={
                "passkey_id": passkey.id, "aaguid": verified.aaguid,
                "backup_eligible": passkey.backup_eligible}))
        return passkey
