"""Where the CLI finds the services: environment variables, `.env` read too.

Not BaseServiceSettings: the CLI holds no secret, so it must not demand SECRET_KEY.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class CliSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")

    IDENTITY_GRPC_TARGET: str = "127.0.0.1:50051"
    SESSION_GRPC_TARGET: str = "127.0.0.1:50052"
    AUTHORIZATION_GRPC_TARGET: str = "127.0.0.1:50053"
    TOKEN_GRPC_TARGET: str = "127.0.0.1:50054"
    # Deadline of every call, in seconds (same variable the services use).
    GRPC_CLIENT_TIMEOUT_SECONDS: float = 5.0
