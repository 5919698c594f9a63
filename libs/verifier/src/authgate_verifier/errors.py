"""The verifier's refusals and their RFC 6750 §3 answers; under DPoP (RFC 9449 §7.1) the
same errors with the `DPoP` challenge."""

from __future__ import annotations


class VerificationError(Exception):
    """A token not accepted: `status`, the RFC 6750 `error` code and a description that
    never echoes the token.

    `dpop_algs` set (the token came under the DPoP scheme, or is DPoP-bound): the challenge
    is `DPoP algs="...", error=...` instead of `Bearer error=...` (RFC 9449 §7.1)."""

    status = 401
    error = "invalid_token"
    dpop_algs: str | None = None

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    def challenge_params(self) -> str:
        """The auth-params of the challenge (RFC 6750 §3), without the scheme."""
        return f'error="{self.error}", error_description="{self.description}"'

    def www_authenticate(self) -> str:
        params = self.challenge_params()
        if self.dpop_algs:
            return f'DPoP algs="{self.dpop_algs}"' + (f", {params}" if params else "")
        return f"Bearer {params}" if params else "Bearer"

    def under_dpop(self, algs: str) -> VerificationError:
        """This refusal with the DPoP challenge (returns self, for `raise`)."""
        self.dpop_algs = algs
        return self

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": self.www_authenticate()}


class InvalidToken(VerificationError):
    """401: missing, malformed, forged, expired, not ours, revoked."""


class InvalidDPoPProof(InvalidToken):
    """401 `invalid_dpop_proof` (RFC 9449 §7.1): a DPoP-bound token whose proof is missing,
    malformed, stale, replayed, made with another key or for another request."""

    error = "invalid_dpop_proof"


class MissingToken(InvalidToken):
    """401 with no error code (RFC 6750 §3.1: the request carried no credentials)."""

    def __init__(self) -> None:
        super().__init__("The request carries no bearer token.")

    def challenge_params(self) -> str:
        return ""


class InsufficientScope(VerificationError):
    """403: a valid token lacking a scope the resource requires."""

    status = 403
    error = "insufficient_scope"

    def __init__(self, scopes: tuple[str, ...]) -> None:
        super().__init__("The access token lacks a required scope.")
        self.scopes = scopes

    def challenge_params(self) -> str:
        return f'error="{self.error}", scope="{" ".join(self.scopes)}"'


class InsufficientUserAuthentication(VerificationError):
    """401 (RFC 9470 §3): a valid token whose sign-in is weaker than the resource requires;
    the client sends the user through /authorize again with `acr_values`."""

    error = "insufficient_user_authentication"

    def __init__(self, acr: str) -> None:
        super().__init__("A stronger sign-in is required.")
        self.acr = acr

    def challenge_params(self) -> str:
        return f'error="{self.error}", error_description="{self.description}", acr_values="{self.acr}"'


class Unavailable(VerificationError):
    """503: revocation state unknown (feed not synced yet, or silent): fail closed."""

    status = 503
    error = "temporarily_unavailable"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}
