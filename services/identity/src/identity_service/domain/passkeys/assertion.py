"""Checking a passkey's assertion (WebAuthn §7.2 "Verifying an Authentication Assertion").

The challenge must be live, made for this ceremony and bound to this browser
(challenges.py). The credential must be registered (§7.2 step 5); for a second factor it
must be the pending user's, for passwordless sign-in the user handle the authenticator
returns must be that credential's user's (step 6). The library checks type, challenge,
origin, RP ID hash, user presence, user verification when required and the signature
(steps 11-21). The signature counter must grow unless the authenticator keeps none (both
zero, step 22), and is stored by compare-and-set so two uses of one counter value cannot
both pass. The backup-eligible flag may not change (§6.1.3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from webauthn import generate_authentication_options, verify_authentication_response
from webauthn.helpers.structs import CredentialDeviceType, UserVerificationRequirement

from .challenges import PASSWORDLESS, Challenges, b64url_decode, challenge_of
from .errors import PasskeyRefused, PasskeysUnavailable
from .model import Passkey
from .ports import PasskeyUnitOfWork
from .relying_party import RelyingParty
from .webauthn_calls import as_json, checked, descriptors


@dataclass(frozen=True)
class Asserted:
    passkey: Passkey
    user_verified: bool


def _raw_id(credential: Any) -> bytes:
    try:
        return b64url_decode(str(credential["rawId"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise PasskeyRefused(detail=f"unreadable rawId: {type(exc).__name__}") from exc


def _user_handle(credential: Any) -> bytes | None:
    try:
        handle = credential["response"].get("userHandle")
        return b64url_decode(handle) if isinstance(handle, str) and handle else None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


class Assertions:
    def __init__(self, passkeys: PasskeyUnitOfWork, rp: RelyingParty, challenges: Challenges,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._passkeys = passkeys
        self._rp = rp
        self._challenges = challenges
        self._now = now

    def options(self, ceremony: str, binding: str, user_id: str = "") -> dict[str, Any]:
        """PublicKeyCredentialRequestOptionsJSON: the user's passkeys for a second factor,
        none (any discoverable credential) with user verification required for passwordless."""
        if not self._rp.available:
            raise PasskeysUnavailable()
        allowed: list[Passkey] = []
        if user_id:
            with self._passkeys() as passkeys:
                allowed = list(passkeys.list_for_user(user_id))
        uv = UserVerificationRequirement.PREFERRED
        if ceremony == PASSWORDLESS:
            uv = UserVerificationRequirement.REQUIRED
        options = generate_authentication_options(
            rp_id=self._rp.rp_id, challenge=self._challenges.issue(ceremony, binding, user_id),
            timeout=self._challenges.ttl_seconds * 1000, allow_credentials=descriptors(allowed),
            user_verification=uv)
        return as_json(options)

    def verify(self, ceremony: str, binding: str, credential: Any, user_id: str = "") -> Asserted:
        """The passkey behind a valid assertion — `user_id`'s when given (a second
        factor), anyone's otherwise (passwordless); PasskeyRefused (its `subject` the
        user when known) or CeremonyExpired otherwise."""
        if not self._rp.available:
            raise PasskeysUnavailable()
        issued = self._challenges.take(challenge_of(credential), ceremony, binding)
        with self._passkeys() as passkeys:
            passkey = passkeys.get_by_credential_id(_raw_id(credential))
        if passkey is None:
            raise PasskeyRefused(detail="unknown credential")
        subject = passkey.user_id
        if issued.user_id != user_id or (user_id and passkey.user_id != user_id):
            raise PasskeyRefused(detail="not the expected user's credential", subject=user_id)
        if ceremony == PASSWORDLESS:
            handle = _user_handle(credential)
            if handle is None or not self._rp.handle_matches(passkey.user_id, handle):
                raise PasskeyRefused(detail="user handle does not match the credential", subject=subject)
        verified = checked(lambda: verify_authentication_response(
            credential=credential, expected_challenge=issued.challenge, expected_rp_id=self._rp.rp_id,
            expected_origin=list(self._rp.origins), credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=ceremony == PASSWORDLESS), subject)
        if (verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE) != passkey.backup_eligible:
            raise PasskeyRefused(detail="backup eligibility changed", subject=subject)
        with self._passkeys() as passkeys:
            if not passkeys.record_use(passkey.id, passkey.sign_count, verified.new_sign_count,
                                       verified.credential_backed_up, self._now()):
                raise PasskeyRefused(detail="signature counter raced or credential removed", subject=subject)
        return Asserted(passkey, verified.user_verified)
