"""Settings of the example API (environment variables, `.env` read too)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")

    EXAMPLE_API_PORT: int = Field(default=8110, gt=0, lt=65536)
    EXAMPLE_API_HOST: str = "0.0.0.0"  # noqa: S104 - reached only through the gateway's network
    LOG_LEVEL: str = "INFO"
