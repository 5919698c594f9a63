"""The verifier's refusals and their RFC 6750 §3 answers."""

from __future__ import annotations


class VerificationError(Exception):
    """A token not accepted: `status`, the RFC 6750 `error` code and a description that
    never echoes the token."""

    status = 401
    error = "invalid_token"

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    def www_authenticate(self) -> str:
        return f'Bearer error="{self.error}", error_description="{self.description}"'

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": self.www_authenticate()}


class InvalidToken(VerificationError):
    """401: missing, malformed, forged, expired, not ours, revoked."""


class MissingToken(InvalidToken):
    """401 with no error code (RFC 6750 §3.1: the request carried no credentials)."""

    def __init__(self) -> None:
        super().__init__("The request carries no bearer token.")

    def www_authenticate(self) -> str:
        return "Bearer"


class InsufficientScope(VerificationError):
    """403: a valid token lacking a scope the resource requires."""

    status = 403
    error = "insufficient_scope"

    def __init__(self, scopes: tuple[str, ...]) -> None:
        super().__init__("The access token lacks a required scope.")
        self.scopes = scopes

    def www_authenticate(self) -> str:
        return f'Bearer error="{self.error}", scope="{" ".join(self.scopes)}"'


class InsufficientUserAuthentication(VerificationError):
    """401 (RFC 9470 §3): a valid token whose sign-in is weaker than the resource requires;
    the client sends the user through /authorize again with `acr_values`."""

    error = "insufficient_user_authentication"

    def __init__(self, acr: str) -> None:
        super().__init__("A stronger sign-in is required.")
        self.acr = acr

    def www_authenticate(self) -> str:
        return f'Bearer error="{self.error}", error_description="{self.description}", acr_values="{self.acr}"'


class Unavailable(VerificationError):
    """503: revocation state unknown (feed not synced yet, or silent): fail closed."""

    status = 503
    error = "temporarily_unavailable"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}
