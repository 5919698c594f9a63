"""Settings of the example API (environment variables, `.env` read too)."""

from __future__ import annotations

import pathlib

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")

    EXAMPLE_API_PORT: int = Field(default=8110, gt=0, lt=65536)
    # Loopback unless a container or pod sets 0.0.0.0; the gateway's certificate is what
    # admits a caller either way (gateway_only).
    EXAMPLE_API_HOST: str = "127.0.0.1"
    VAR_DIR: str = "var"
    # This API's certificate folder (tls.crt, tls.key, ca.crt; a cert-manager Secret's
    # layout); unset: VAR_DIR/pki/example, where `make up` puts it.
    EXAMPLE_API_TLS_DIR: str | None = None
    # The SAN URI of the only client certificate served: the gateway's.
    GATEWAY_IDENTITY: str = Field(default="spiffe://authgate/gateway", pattern=r"^spiffe://[^/]+/.+")
    LOG_LEVEL: str = "INFO"

    @property
    def tls_dir(self) -> pathlib.Path:
        return pathlib.Path(self.EXAMPLE_API_TLS_DIR or pathlib.Path(self.VAR_DIR) / "pki" / "example")
