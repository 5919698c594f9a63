"""Settings of the authorization service (environment variables, `.env` read too)."""

from __future__ import annotations

from typing import ClassVar

from authgate_common.settings import (
    ClientChangesSettings,
    DeviceFlowSettings,
    DynamicRegistrationSettings,
    FormPostSettings,
    JwtLeewaySettings,
    PagesSettings,
    ParSettings,
    ResourceIndicatorSettings,
    SessionCookieSettings,
    SessionLifetimeSettings,
)
from pydantic import Field, model_validator


# The session service's settings, read from the same environment (SessionLifetimeSettings): the
# revocation feed's heartbeat and window (finished logouts are remembered longer than the
# feed may report a revocation again) and the session lifetime (participants are kept that
# long). JwtLeewaySettings: for private_key_jwt client assertions (RFC 7523). PagesSettings:
# THEME_DIR of the consent and error pages.
class Settings(SessionCookieSettings, SessionLifetimeSettings, ClientChangesSettings, JwtLeewaySettings,
               PagesSettings, FormPostSettings, ResourceIndicatorSettings, DynamicRegistrationSettings,
               ParSettings, DeviceFlowSettings):
    SERVICE: ClassVar[str] = "authorization"
    AUTHORIZATION_HTTP_PORT: int = 8103
    AUTHORIZATION_GRPC_PORT: int = 50053
    # Prometheus /metrics on its own port (never routed by the gateway); 0 turns it off.
    AUTHORIZATION_METRICS_PORT: int = 9103
    # The operator listener: admin RPCs, for the operator certificate only.
    AUTHORIZATION_OPERATOR_PORT: int = 50153
    # RFC 6749 §4.1.2 recommends at most 10 minutes; authgate allows at most 60 seconds.
    AUTHORIZATION_CODE_TTL_SECONDS: int = Field(60, gt=0, le=60)
    # How long a replica remembers a client's registration for /authorize (0: never). A
    # change reaches every replica at once over Redis pub/sub (as it reaches the token
    # service's CLIENT_AUTH_CACHE_SECONDS); this is the backstop. Off without REDIS_URL.
    CLIENT_CACHE_SECONDS: float = Field(5.0, ge=0, le=300)
    # How long the consent page's form stays valid (its sealed pending request).
    CONSENT_REQUEST_TTL_SECONDS: int = Field(300, gt=0, le=3600)
    # How long after a prompt=login / max_age request the new login must come back.
    LOGIN_MARKER_TTL_SECONDS: int = Field(600, gt=0, le=3600)
    # Back-channel logout (OIDC Back-Channel Logout 1.0): each POST to a client's
    # backchannel_logout_uri times out after this long; failures are retried after
    # RETRY_BASE, 2×, 4× … (at most RETRY_MAX) seconds, MAX_ATTEMPTS tries in all.
    BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS: float = Field(5.0, gt=0, le=60)
    BACKCHANNEL_LOGOUT_MAX_ATTEMPTS: int = Field(10, ge=1, le=50)
    BACKCHANNEL_LOGOUT_RETRY_BASE_SECONDS: float = Field(1.0, gt=0)
    BACKCHANNEL_LOGOUT_RETRY_MAX_SECONDS: float = Field(300.0, gt=0)
    # How often each replica looks for due logouts, and how many it sends at once.
    BACKCHANNEL_LOGOUT_POLL_SECONDS: float = Field(0.5, gt=0)
    BACKCHANNEL_LOGOUT_CONCURRENCY: int = Field(8, ge=1, le=64)
    # Logout tokens go to public addresses only: never to loopback, private, link-local
    # (cloud metadata) or reserved ones, checked after resolution; https outside
    # development. This lets a development install call receivers on loopback
    # (localhost, 127.0.0.1, ::1); refused outside ENVIRONMENT=development.
    BACKCHANNEL_LOGOUT_ALLOW_LOOPBACK: bool = False
    # The outbox relay (consent withdrawals → TokenService.RevokeClientTokens): how often each
    # replica looks for due messages; failures retried after RETRY_BASE, 2×, 4× … seconds, at
    # most RETRY_MAX apart, until delivered.
    OUTBOX_RELAY_POLL_SECONDS: float = Field(1.0, gt=0, le=60)
    OUTBOX_RELAY_RETRY_BASE_SECONDS: float = Field(1.0, gt=0)
    OUTBOX_RELAY_RETRY_MAX_SECONDS: float = Field(300.0, gt=0)
    # The device authorization grant (RFC 8628; DEVICE_FLOW_ENABLED): how long a device code
    # and its user code live, and the seconds a device waits between polls (§3.2).
    DEVICE_CODE_TTL_SECONDS: int = Field(600, ge=60, le=1800)
    DEVICE_POLL_INTERVAL_SECONDS: int = Field(5, ge=1, le=60)
    # Wrong user codes on the verification page (§5.1): the MAX_FAILURES-th in a session, or
    # the MAX_FAILURES_PER_ADDRESS-th from an address, refuses codes there for LOCK_SECONDS.
    DEVICE_USER_CODE_MAX_FAILURES: int = Field(5, ge=1, le=100)
    DEVICE_USER_CODE_MAX_FAILURES_PER_ADDRESS: int = Field(20, ge=1, le=1000)
    DEVICE_USER_CODE_LOCK_SECONDS: int = Field(900, ge=60, le=86400)
    # Dynamic registration (RFC 7591): the scopes a registered client may ask for (space-
    # separated; never account or admin:*: those need the operator's marks).
    DCR_ALLOWED_SCOPES: str = "openid profile email"


    @model_validator(mode="after")
    def _refuse_loopback_logout_outside_development(self) -> Settings:
        if self.BACKCHANNEL_LOGOUT_ALLOW_LOOPBACK and self.ENVIRONMENT != "development":
            raise ValueError("BACKCHANNEL_LOGOUT_ALLOW_LOOPBACK is refused outside ENVIRONMENT=development")
        return self
