"""Settings of the identity service (environment variables, `.env` read too)."""

from __future__ import annotations

from typing import ClassVar

from authgate_common.settings import PagesSettings, SessionCookieSettings
from pydantic import Field, SecretStr, model_validator


class Settings(SessionCookieSettings, PagesSettings):
    SERVICE: ClassVar[str] = "identity"
    IDENTITY_HTTP_PORT: int = 8101
    IDENTITY_GRPC_PORT: int = 50051
    # Prometheus /metrics on its own port (never routed by the gateway); 0 turns it off.
    IDENTITY_METRICS_PORT: int = Field(9101, ge=0, le=65535)
    # The operator listener: admin RPCs, for the operator certificate only.
    IDENTITY_OPERATOR_PORT: int = 50151
    # bcrypt cost (log2 of the rounds). Raising it upgrades each hash at its next login.
    BCRYPT_ROUNDS: int = Field(12, ge=4, le=31)
    # bcrypt reads 72 bytes at most, so a minimum above that could never be met.
    PASSWORD_MIN_LENGTH: int = Field(8, ge=1, le=72)
    # Login protection: failures counted per account and per client address within the
    # window; past a threshold the account (or address) is locked, first for
    # LOGIN_LOCKOUT_SECONDS, doubling with each further failure up to the maximum.
    LOGIN_MAX_FAILURES_PER_ACCOUNT: int = Field(5, ge=1)
    LOGIN_MAX_FAILURES_PER_ADDRESS: int = Field(50, ge=1)
    LOGIN_FAILURE_WINDOW_SECONDS: int = Field(900, ge=1)
    LOGIN_LOCKOUT_SECONDS: int = Field(60, ge=1)
    LOGIN_LOCKOUT_MAX_SECONDS: int = Field(3600, ge=1)
    # The name authenticator apps show beside a TOTP factor (otpauth issuer); empty: the
    # ISSUER's host name.
    MFA_TOTP_ISSUER: str = Field("", max_length=64)
    # Account flows (docs/account-flows.md). Mail leaves over SMTP; with no SMTP_HOST the
    # flows that send mail (password reset, email verification, registration) answer 503.
    SMTP_HOST: str = ""
    SMTP_PORT: int = Field(587, ge=1, le=65535)
    SMTP_STARTTLS: bool = True
    SMTP_USERNAME: str = ""
    SMTP_PASSWORD: SecretStr = SecretStr("")
    SMTP_TIMEOUT_SECONDS: float = Field(10, gt=0, le=120)
    MAIL_FROM: str = "authgate <no-reply@localhost>"
    PASSWORD_RESET_TTL_SECONDS: int = Field(1800, ge=60, le=86400)
    EMAIL_VERIFICATION_TTL_SECONDS: int = Field(86400, ge=300, le=604800)
    # Off: /api/v1/sso/register answers 404.
    SELF_REGISTRATION_ENABLED: bool = False
    # Mails the account flows send per account and per client address within the window.
    ACCOUNT_MAIL_MAX_PER_ACCOUNT: int = Field(5, ge=1)
    ACCOUNT_MAIL_MAX_PER_ADDRESS: int = Field(30, ge=1)
    ACCOUNT_MAIL_WINDOW_SECONDS: int = Field(3600, ge=1)
    # Passkeys (WebAuthn; docs/account-security.md). The RP ID and the comma-separated page
    # origins assertions may come from; empty: the ISSUER's host and origin. WebAuthn refuses
    # IP addresses as RP IDs: with an IP ISSUER passkeys are off unless WEBAUTHN_RP_ID is set.
    WEBAUTHN_RP_ID: str = ""
    WEBAUTHN_ORIGINS: str = ""

    @model_validator(mode="after")
    def _smtp_credentials_encrypted(self) -> Settings:
        # A password sent before STARTTLS crosses the network in the clear.
        if self.SMTP_USERNAME and not self.SMTP_STARTTLS and self.ENVIRONMENT != "development":
            raise ValueError("SMTP_USERNAME needs SMTP_STARTTLS outside ENVIRONMENT=development")
        return self

