"""One Settings base for every service (environment variables, `.env` read too)."""

from __future__ import annotations

import logging

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "insecure-development-secret-change-me"
log = logging.getLogger(__name__)


class BaseServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")

    APP_NAME: str = "authgate"
    DEBUG: bool = False
    # "development" allows the built-in secret; anything else refuses it.
    ENVIRONMENT: str = "development"
    # Unset: an embedded SQLite file per service under VAR_DIR.
    DATABASE_URL: str | None = None
    # Unset: an in-process store (one replica only).
    REDIS_URL: str | None = None
    # Prepended to every Redis key (tests use a random one).
    REDIS_KEY_PREFIX: str = "authgate:"
    VAR_DIR: str = "var"
    ISSUER: str = "http://localhost:8000"
    # Root secret; every keyed hash and encryption key is derived from it per purpose.
    SECRET_KEY: str = DEV_SECRET
    LOG_LEVEL: str = "INFO"
    LOG_JSON: bool = False
    GRPC_MAX_WORKERS: int = 16
    # Deadline of every outbound gRPC call, in seconds.
    GRPC_CLIENT_TIMEOUT_SECONDS: float = 5.0
    DB_POOL_SIZE: int = 10
    DB_POOL_MAX_OVERFLOW: int = 10
    # Largest request body the public HTTP apps accept.
    MAX_BODY_BYTES: int = 65536
    # Audit rows (authgate_common.audit) older than this are deleted, a bounded batch at a
    # time, every AUDIT_PRUNE_INTERVAL_SECONDS by each replica.
    AUDIT_RETENTION_DAYS: int = Field(365, ge=1)
    AUDIT_PRUNE_INTERVAL_SECONDS: float = Field(3600.0, gt=0)

    IDENTITY_GRPC_TARGET: str = "127.0.0.1:50051"
    SESSION_GRPC_TARGET: str = "127.0.0.1:50052"
    AUTHORIZATION_GRPC_TARGET: str = "127.0.0.1:50053"
    TOKEN_GRPC_TARGET: str = "127.0.0.1:50054"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> BaseServiceSettings:
        if self.SECRET_KEY == DEV_SECRET and self.ENVIRONMENT != "development":
            raise ValueError("SECRET_KEY must be set outside ENVIRONMENT=development")
        if len(self.SECRET_KEY) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters")
        return self

    @property
    def issuer(self) -> str:
        return self.ISSUER.rstrip("/")
