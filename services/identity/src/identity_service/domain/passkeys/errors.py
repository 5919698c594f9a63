"""The answers a passkey ceremony can end in (one error hierarchy: authgate_common.core.errors)."""

from __future__ import annotations

from authgate_common.core.errors import AccessDenied, InvalidRequest, NotFound


class PasskeyRefused(AccessDenied):
    """The assertion or attestation failed a check. Which check is log-only detail: the
    browser learns only that this passkey was not accepted."""

    status_code = 401
    default_description = "This passkey was not accepted."

    def __init__(self, description: str | None = None, *, detail: str = "", subject: str = "") -> None:
        super().__init__(description, detail=detail)
        self.subject = subject  # the credential's user, when known (audit, lockout)


class CeremonyExpired(InvalidRequest):
    """No live challenge for this ceremony (expired, used, or issued to another browser)."""

    default_description = "The passkey request expired, please try again."


class PasskeysUnavailable(NotFound):
    """The RP ID cannot be used (WebAuthn refuses IP addresses, §5.1.3 step 8)."""

    default_description = "Passkeys are not available on this server."
