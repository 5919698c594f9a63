"""Settings of the session service (environment variables, `.env` read too)."""

from __future__ import annotations

from typing import ClassVar

from authgate_common.settings import (
    AccessTokenSettings,
    PagesSettings,
    SessionCookieSettings,
    SessionLifetimeSettings,
)
from pydantic import Field, model_validator


class Settings(SessionCookieSettings, SessionLifetimeSettings, AccessTokenSettings, PagesSettings):
    SERVICE: ClassVar[str] = "session"
    SESSION_HTTP_PORT: int = 8102
    SESSION_GRPC_PORT: int = 50052
    # Prometheus /metrics on its own port (never routed by the gateway); 0 turns it off.
    SESSION_METRICS_PORT: int = 9102
    # The operator listener: admin RPCs, for the operator certificate only.
    SESSION_OPERATOR_PORT: int = 50152
    # The session ends when unused for longer than this; every validation slides it.
    SESSION_IDLE_TIMEOUT_SECONDS: int = Field(3600, gt=0)
    # last_seen_at reaches the database at most this often per session.
    SESSION_LAST_SEEN_WRITE_INTERVAL_SECONDS: int = Field(60, ge=0)
    # Every replica re-reads recent revocations from the record this often, catching what
    # Redis pub/sub lost (it delivers at most once). 0 turns this safety net off.
    REVOCATION_FEED_POLL_SECONDS: float = Field(5.0, ge=0)
    # How long the end-session endpoint's confirmation form (its CSRF token) stays valid.
    LOGOUT_CONFIRM_TTL_SECONDS: int = Field(600, gt=0, le=3600)


    @model_validator(mode="after")
    def _consistent_windows(self) -> Settings:
        # Otherwise a session read back from the database after a Redis loss could look idle.
        if self.SESSION_LAST_SEEN_WRITE_INTERVAL_SECONDS >= self.SESSION_IDLE_TIMEOUT_SECONDS:
            raise ValueError("SESSION_LAST_SEEN_WRITE_INTERVAL_SECONDS must be below "
                             "SESSION_IDLE_TIMEOUT_SECONDS")
        # Otherwise validators would forget a revocation while its access tokens still live.
        if self.REVOCATION_FEED_WINDOW_SECONDS < self.ACCESS_TOKEN_EXPIRE_SECONDS:
            raise ValueError("REVOCATION_FEED_WINDOW_SECONDS must cover ACCESS_TOKEN_EXPIRE_SECONDS")
        return self
