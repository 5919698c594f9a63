"""Settings of the session service (environment variables, `.env` read too)."""

from __future__ import annotations

from authgate_common.settings import BaseServiceSettings
from pydantic import Field, model_validator


class Settings(BaseServiceSettings):
    SESSION_HTTP_PORT: int = 8102
    SESSION_GRPC_PORT: int = 50052
    # Absolute lifetime: the session ends this long after login, however active.
    SESSION_LIFETIME_SECONDS: int = Field(43200, gt=0)
    # The session ends when unused for longer than this; every validation slides it.
    SESSION_IDLE_TIMEOUT_SECONDS: int = Field(3600, gt=0)
    # last_seen_at reaches the database at most this often per session.
    SESSION_LAST_SEEN_WRITE_INTERVAL_SECONDS: int = Field(60, ge=0)

    @model_validator(mode="after")
    def _write_back_within_idle(self) -> Settings:
        # Otherwise a session read back from the database after a Redis loss could look idle.
        if self.SESSION_LAST_SEEN_WRITE_INTERVAL_SECONDS >= self.SESSION_IDLE_TIMEOUT_SECONDS:
            raise ValueError("SESSION_LAST_SEEN_WRITE_INTERVAL_SECONDS must be below "
                             "SESSION_IDLE_TIMEOUT_SECONDS")
        return self
