"""Settings of the authorization service (environment variables, `.env` read too)."""

from __future__ import annotations

from authgate_common.settings import BaseServiceSettings
from pydantic import Field


class Settings(BaseServiceSettings):
    AUTHORIZATION_HTTP_PORT: int = 8103
    AUTHORIZATION_GRPC_PORT: int = 50053
    # Prometheus /metrics on its own port (never routed by the gateway); 0 turns it off.
    AUTHORIZATION_METRICS_PORT: int = 9103
    # RFC 6749 §4.1.2 recommends at most 10 minutes; authgate allows at most 60 seconds.
    AUTHORIZATION_CODE_TTL_SECONDS: int = Field(60, gt=0, le=60)
    SESSION_COOKIE_NAME: str = "sso_session"
    # How long the consent page's form stays valid (its sealed pending request).
    CONSENT_REQUEST_TTL_SECONDS: int = Field(300, gt=0, le=3600)
    # How long after a prompt=login / max_age request the new login must come back.
    LOGIN_MARKER_TTL_SECONDS: int = Field(600, gt=0, le=3600)
