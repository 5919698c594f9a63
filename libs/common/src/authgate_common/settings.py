"""One Settings base for every service (environment variables, `.env` read too)."""

from __future__ import annotations

import logging
import pathlib
from typing import ClassVar, TypeVar

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .cookies import cookie_name_problem

# The default SECRET_KEY until issue 14, public in this repository: kept only to refuse it.
OLD_PUBLIC_SECRET = "insecure-development-secret-change-me"
log = logging.getLogger(__name__)


def secret_key_problem(value: str) -> str | None:
    """Why `value` cannot be a SECRET_KEY, or None (`make up` asks before it starts anything)."""
    if not value:
        return ("SECRET_KEY is not set: give each service its own random value of at least 32 "
                "characters (`make up` generates them in var/secrets/; elsewhere: python3 -c "
                "'import secrets; print(secrets.token_urlsafe(48))')")
    if value == OLD_PUBLIC_SECRET:
        return ("SECRET_KEY is the old public development constant, which anyone can read in "
                "authgate's source; `make up` generates a random one in var/secrets/ (remove "
                "SECRET_KEY from .env), elsewhere set a random value of at least 32 characters")
    if len(value) < 32:
        return "SECRET_KEY must be at least 32 characters"
    return None


class BaseServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")
    # The workload this service is on the internal plane (its certificate's SPIFFE name).
    SERVICE: ClassVar[str] = ""

    APP_NAME: str = "authgate"
    DEBUG: bool = False
    # Anything but "development" refuses the development-only switches below.
    ENVIRONMENT: str = "development"
    # Unset: an embedded SQLite file per service under VAR_DIR. Set: this service's own role.
    DATABASE_URL: str | None = None
    # Read by `migrate` only: a role allowed to create DATABASE_URL's role (its name and
    # password are taken from DATABASE_URL) and this service's schema, owned by that role
    # (authgate_common.db_roles). Unset: `migrate` expects both to exist.
    DATABASE_ADMIN_URL: str | None = None
    # Unset: an in-process store (one replica only).
    REDIS_URL: str | None = None
    # Prepended to every Redis key (tests use a random one).
    REDIS_KEY_PREFIX: str = "authgate:"
    VAR_DIR: str = "var"
    ISSUER: str = "http://localhost:8000"
    # This service's own root secret (no default; `make up` generates one per service):
    # every keyed hash and encryption key of the service is derived from it per purpose.
    SECRET_KEY: str = ""
    LOG_LEVEL: str = "INFO"
    LOG_JSON: bool = False
    GRPC_MAX_WORKERS: int = 16
    # Deadline of every outbound gRPC call, in seconds.
    GRPC_CLIENT_TIMEOUT_SECONDS: float = 5.0
    DB_POOL_SIZE: int = 10
    DB_POOL_MAX_OVERFLOW: int = 10
    # Largest request body the public HTTP apps accept.
    MAX_BODY_BYTES: int = 65536
    # Audit rows (authgate_common.audit_store) older than this are deleted, a bounded batch at a
    # time, every AUDIT_PRUNE_INTERVAL_SECONDS by each replica.
    AUDIT_RETENTION_DAYS: int = Field(365, ge=1)
    AUDIT_PRUNE_INTERVAL_SECONDS: float = Field(3600.0, gt=0)

    # Where every listener (gRPC, operator gRPC, HTTP, metrics) binds: loopback unless a
    # container or pod sets 0.0.0.0 (its network is then fenced by compose / NetworkPolicy).
    BIND_HOST: str = "127.0.0.1"
    # Mutual TLS of the internal plane (authgate_common.grpc_access): the folder with this
    # workload's tls.crt, tls.key and ca.crt (a cert-manager Secret's layout); unset:
    # VAR_DIR/pki/<service>, where `make up` puts them.
    GRPC_TLS_DIR: str | None = None
    # The SPIFFE trust domain of the certificates' SAN URIs (spiffe://<domain>/<workload>).
    GRPC_TRUST_DOMAIN: str = "authgate"
    # Plaintext gRPC with no caller check: only for `make bench` (what mutual TLS costs)
    # and tests of one servicer on its own; refused outside ENVIRONMENT=development.
    GRPC_INSECURE_PLAINTEXT: bool = False

    IDENTITY_GRPC_TARGET: str = "127.0.0.1:50051"
    SESSION_GRPC_TARGET: str = "127.0.0.1:50052"
    AUTHORIZATION_GRPC_TARGET: str = "127.0.0.1:50053"
    TOKEN_GRPC_TARGET: str = "127.0.0.1:50054"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> BaseServiceSettings:
        problem = secret_key_problem(self.SECRET_KEY)
        if problem:
            raise ValueError(problem)
        if self.DATABASE_ADMIN_URL and not self.DATABASE_URL:
            raise ValueError("DATABASE_ADMIN_URL needs DATABASE_URL (the service's own role)")
        if self.GRPC_INSECURE_PLAINTEXT and self.ENVIRONMENT != "development":
            raise ValueError("GRPC_INSECURE_PLAINTEXT is refused outside ENVIRONMENT=development")
        return self

    @property
    def issuer(self) -> str:
        return self.ISSUER.rstrip("/")

    @property
    def grpc_server_threads(self) -> int:
        """Threads of the internal gRPC server: one per call in progress."""
        return self.GRPC_MAX_WORKERS

    @property
    def tls_dir(self) -> str:
        return self.GRPC_TLS_DIR or str(pathlib.Path(self.VAR_DIR) / "pki" / self.SERVICE)


class SessionCookieSettings(BaseServiceSettings):
    """The settings of the services that set or read the SSO cookie (identity sets it,
    session and authorization read it): one name, one check."""

    # The SSO cookie's name; an https ISSUER makes it `__Host-<name>` (authgate_common.cookies).
    SESSION_COOKIE_NAME: str = "sso_session"
    # The cookies are Secure whenever ISSUER is https, whatever this says; true forces
    # Secure on an http ISSUER too; it never turns Secure off.
    SESSION_COOKIE_SECURE: bool = False

    @field_validator("SESSION_COOKIE_NAME")
    @classmethod
    def _cookie_name(cls, value: str) -> str:
        problem = cookie_name_problem(value)
        if problem:
            raise ValueError(f"SESSION_COOKIE_NAME {problem}")
        return value


# Settings more than one service reads from the same environment, each defined once so
# that every reader agrees on its default and its bounds.


class AccessTokenSettings(BaseServiceSettings):
    """The token service's access-token lifetime (the session service checks its window against it)."""

    ACCESS_TOKEN_EXPIRE_SECONDS: int = Field(900, gt=0)


class JwtLeewaySettings(BaseServiceSettings):
    """Leeway for the exp/iat/nbf of the JWTs a service checks (access tokens, client assertions)."""

    CLOCK_SKEW_SECONDS: int = Field(30, ge=0, le=300)


class ClientChangesSettings(BaseServiceSettings):
    """The subscription to client changes (authgate_common.client_changes) behind the client caches."""

    # How often it pings Redis; three unanswered pings (or any error) mean it is lost, and
    # the cache is bypassed until Redis confirms a new subscription.
    CLIENT_CHANGES_PING_SECONDS: float = Field(1.0, gt=0, le=60)


class PagesSettings(BaseServiceSettings):
    """The look of the HTML pages a service shows people (authgate_common.pages)."""

    # A folder whose templates (login.html, consent.html, …), theme.css and translations/
    # replace the built-in ones of the same name (docs/theming.md); empty: the built-in look.
    THEME_DIR: str = ""

    @field_validator("THEME_DIR")
    @classmethod
    def _theme_is_a_folder(cls, value: str) -> str:
        # A mistyped path would silently show the built-in look: refuse to start instead.
        if value and not pathlib.Path(value).is_dir():
            raise ValueError(f"THEME_DIR {value!r} is not a folder")
        return value


class FormPostSettings(BaseServiceSettings):
    """OAuth 2.0 Form Post Response Mode: /authorize (authorization) answers with it and
    discovery (token) lists it in response_modes_supported only when on."""

    FORM_POST_ENABLED: bool = True


class ResourceIndicatorSettings(BaseServiceSettings):
    """RFC 8707 resource indicators at /authorize (authorization) and /token (token); off:
    the `resource` parameter is ignored as before."""

    RESOURCE_INDICATORS_ENABLED: bool = True


class ParSettings(BaseServiceSettings):
    """Pushed authorization requests (RFC 9126): the token service's endpoint and discovery,
    the authorization service's request_uri at /authorize."""

    # Off: /par answers 404, discovery does not name it, /authorize refuses request_uri.
    PAR_ENABLED: bool = True
    # On: every client must push its authorization requests (RFC 9126 §5); otherwise only
    # clients registered with require_pushed_authorization_requests.
    PAR_REQUIRED: bool = False
    # How long a request_uri may be used (once): RFC 9126 §2.2 suggests 5 to 600 seconds.
    PAR_REQUEST_TTL_SECONDS: int = Field(60, ge=5, le=600)


class RevocationFeedSettings(BaseServiceSettings):
    """The session service's revocation feed, as it sends it and its readers expect it."""

    # The feed sends something at least this often; readers call it dead after 3 silent beats
    # (validation then fails closed with 503).
    REVOCATION_FEED_HEARTBEAT_SECONDS: float = Field(2.0, gt=0)


class SessionLifetimeSettings(RevocationFeedSettings):
    """How long sessions, and the feed's memory of their revocations, last."""

    # Absolute lifetime: the session ends this long after login, however active.
    SESSION_LIFETIME_SECONDS: int = Field(43200, gt=0)
    # Validators must remember a revoked session this long: at least the longest access token.
    REVOCATION_FEED_WINDOW_SECONDS: int = Field(3600, gt=0)


class DeviceFlowSettings(BaseServiceSettings):
    """The device authorization grant (RFC 8628): the token service's endpoint and grant,
    discovery, and the authorization service's verification page and RPCs."""

    # Off: /device_authorization and the verification page answer 404, the grant type is
    # unsupported at /token, and discovery names neither.
    DEVICE_FLOW_ENABLED: bool = True


class DynamicRegistrationSettings(BaseServiceSettings):
    """Dynamic client registration (RFC 7591) and management (RFC 7592): the authorization
    service's /register endpoint and discovery's registration_endpoint (token)."""

    # Off: /register answers 404 and discovery does not name it.
    DCR_ENABLED: bool = True
    # On: registration needs no initial access token (anyone may register a client).
    DCR_OPEN_REGISTRATION: bool = False


S = TypeVar("S", bound=BaseServiceSettings)


def load_settings(cls: type[S]) -> S:
    """A service's settings from its environment; a refused one ends the process with the
    reasons alone. pydantic's own message would echo the inputs, secrets included."""
    try:
        return cls()  # type: ignore[call-arg]  # the environment fills every field
    except ValidationError as exc:
        reasons = "; ".join(
            (f"{'.'.join(map(str, e['loc']))}: " if e["loc"] else "") + e["msg"].removeprefix("Value error, ")
            for e in exc.errors())
        raise SystemExit(f"{cls.SERVICE or 'authgate'}: refusing to start: {reasons}") from None
