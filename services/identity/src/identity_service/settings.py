"""Settings of the identity service (environment variables, `.env` read too)."""

from __future__ import annotations

from typing import ClassVar

from authgate_common.settings import SessionCookieSettings
from pydantic import Field


class Settings(SessionCookieSettings):
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

