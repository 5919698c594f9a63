"""Settings of the token service (environment variables, `.env` read too)."""

from __future__ import annotations

from typing import ClassVar, Literal

from authgate_common.settings import (
    AccessTokenSettings,
    ClientChangesSettings,
    DeviceFlowSettings,
    DynamicRegistrationSettings,
    FormPostSettings,
    JwtLeewaySettings,
    ParSettings,
    ResourceIndicatorSettings,
    RevocationFeedSettings,
)
from cryptography.fernet import Fernet
from pydantic import Field, field_validator, model_validator


class Settings(AccessTokenSettings, JwtLeewaySettings, ClientChangesSettings, RevocationFeedSettings,
               DeviceFlowSettings, DynamicRegistrationSettings, ParSettings, FormPostSettings,
               ResourceIndicatorSettings):
    SERVICE: ClassVar[str] = "token"
    TOKEN_HTTP_PORT: int = 8104
    TOKEN_GRPC_PORT: int = 50054
    # Envoy's ext_authz over HTTP (entrypoints/ext_authz_http.py): mutual TLS, the gateway's
    # certificate only; on BIND_HOST like the gRPC port. 0 turns it off.
    TOKEN_AUTHZ_PORT: int = Field(50254, ge=0, le=65535)
    # Unary calls only, each a few hundred microseconds of Python: fewer server threads
    # contend less for the GIL (ValidateToken +25-30% at 16 in flight with 8 or 4 instead
    # of 16, bench/NOTES.md); 8 keeps head-room for calls that wait on PostgreSQL.
    GRPC_MAX_WORKERS: int = 8
    # Verifiers (authgate-verifier) connected to this replica's revocation feed at once. Each
    # open stream waits in a server thread of its own, added to GRPC_MAX_WORKERS so the
    # unary calls (ValidateToken, ext_authz) always keep theirs; one more is refused with
    # RESOURCE_EXHAUSTED and retries (run more replicas for more verifiers).
    REVOCATION_FEED_MAX_STREAMS: int = Field(32, ge=0, le=1024)
    ID_TOKEN_EXPIRE_SECONDS: int = Field(900, gt=0)
    REFRESH_TOKEN_EXPIRE_DAYS: int = Field(30, gt=0)
    # How often each replica reads the scope catalogue again (the authorization service's
    # CatalogService: which audience each scope opens, which claims it releases, discovery's
    # scopes). A change reaches every replica within about this long.
    CATALOG_POLL_SECONDS: float = Field(1.0, ge=0.1, le=60)
    # A retry of the just-rotated refresh token within this many seconds gets a new
    # successor instead of revoking the family (lost responses); 0 = strict rotation.
    REFRESH_REUSE_GRACE_SECONDS: int = Field(0, ge=0, le=300)
    # How often each replica deletes refresh tokens expired or revoked over a day ago, and
    # the recorded jtis of access tokens that have expired.
    REFRESH_CLEANUP_INTERVAL_SECONDS: int = Field(3600, gt=0)
    # How often each replica pushes recently revoked jtis from PostgreSQL (the record) to
    # the Redis deny-list (a push a Redis outage or crash cut off) and reloads the whole
    # deny-list if Redis came back empty. Validation itself notices an emptied Redis at once.
    REVOKED_JTI_SYNC_SECONDS: float = Field(5.0, gt=0)
    # Requests to /token, /introspect and /revoke per authenticated client in each window,
    # counted across replicas in Redis; past it, 429 with Retry-After. 0 turns it off.
    TOKEN_CLIENT_RATE_LIMIT: int = Field(6000, ge=0)
    TOKEN_CLIENT_RATE_WINDOW_SECONDS: int = Field(60, gt=0)
    # Failed client authentications (a wrong secret, a refused private_key_jwt assertion) per
    # client_id and caller address, counted across replicas in Redis: the
    # CLIENT_AUTH_MAX_FAILURES-th inside CLIENT_AUTH_FAILURE_WINDOW_SECONDS locks that pair
    # for CLIENT_AUTH_LOCK_SECONDS (429 with Retry-After, the right secret included); the
    # client's other addresses are unaffected. No off switch: RFC 6749 §2.3.1 requires it.
    CLIENT_AUTH_MAX_FAILURES: int = Field(20, gt=0)
    CLIENT_AUTH_FAILURE_WINDOW_SECONDS: int = Field(300, gt=0)
    CLIENT_AUTH_LOCK_SECONDS: int = Field(300, gt=0)
    # Only RS256 is implemented; anything else is refused at start rather than ignored.
    JWT_ALGORITHM: str = "RS256"
    # Cache-Control max-age of the JWKS and discovery documents. A next signing key is
    # published this long (plus SIGNING_KEY_REFRESH_SECONDS) before it starts signing.
    TOKEN_METRICS_PORT: int = Field(9104, ge=0, le=65535)
    # The operator listener: admin RPCs, for the operator certificate only.
    TOKEN_OPERATOR_PORT: int = 50154
    JWKS_CACHE_SECONDS: int = Field(300, ge=0)
    # A successful client authentication (id + secret) is remembered this long per replica,
    # so hot endpoints skip the round trip to the authorization service. A changed, rotated
    # or deleted client is forgotten at once (Redis pub/sub from the authorization service);
    # this is the backstop should that message be lost. 0 = ask every time. Without
    # REDIS_URL nothing announces changes, so the cache is off.
    CLIENT_AUTH_CACHE_SECONDS: float = Field(5.0, ge=0, le=300)
    # The scheduled rotation: the current signing key signs this many days, then the next
    # key (already published) takes over and a new next key is published. 0: never.
    SIGNING_KEY_ROTATION_DAYS: int = Field(30, ge=0)
    # How often each replica runs the rotation check and reloads keys rotated elsewhere.
    SIGNING_KEY_REFRESH_SECONDS: float = Field(30.0, gt=0)
    # The Fernet keys the signing keys' private halves are encrypted with at rest, comma-
    # separated, newest first: the first encrypts, any of them (and the key derived from
    # SECRET_KEY, the default when this is empty) decrypts. Rotation: docs/secrets.md.
    SIGNING_KEY_ENCRYPTION_KEYS: str = ""
    # How access-token validation learns that a session ended: "feed" keeps the pushed
    # revocation set in memory (no I/O per token); "rpc" asks the session service for
    # every token (slower; for deployments that cannot hold a stream open).
    SESSION_LIVENESS_MODE: Literal["feed", "rpc"] = "feed"
    # How long `serve` waits for the first revocation snapshot before accepting traffic.
    REVOCATION_FEED_STARTUP_WAIT_SECONDS: float = Field(15.0, ge=0)
    # RFC 8693 token exchange at /token (grants/token_exchange.py), for the clients whose
    # policy allows it (authgate client update --token-exchange). Off: the grant type is
    # unsupported_grant_type and discovery does not list it.
    TOKEN_EXCHANGE_ENABLED: bool = True
    # DPoP (RFC 9449; domain/dpop.py). On: /token binds the access token of a request with a
    # `DPoP` proof to the proof's key (`cnf.jkt`, token_type DPoP) and discovery advertises
    # `dpop_signing_alg_values_supported`. Off: a DPoP proof at /token is refused
    # (invalid_dpop_proof); tokens bound earlier still need their proof wherever presented.
    DPOP_ENABLED: bool = True
    # Proofs at /token must carry a nonce this server issued (§8; `use_dpop_nonce` with the
    # nonce in DPoP-Nonce otherwise): bounds how long a proof made in advance stays usable.
    # Nonces are stateless (an HMAC of the time window under a key derived from SECRET_KEY),
    # good on every replica.
    DPOP_NONCE_REQUIRED: bool = True
    # How old a proof's `iat` may be (plus 5 s of skew); a used proof is
    # remembered in Redis as long, so each is single use across replicas (§11.1).
    DPOP_PROOF_MAX_AGE_SECONDS: int = Field(60, ge=5, le=600)

    @model_validator(mode="after")
    def _only_rs256(self) -> Settings:
        if self.JWT_ALGORITHM != "RS256":
            raise ValueError("JWT_ALGORITHM must be RS256 (the only algorithm authgate signs with)")
        return self

    @field_validator("SIGNING_KEY_ENCRYPTION_KEYS")
    @classmethod
    def _fernet_keys(cls, value: str) -> str:
        for i, key in enumerate(k.strip() for k in value.split(",") if k.strip()):
            try:
                Fernet(key)
            except ValueError:
                # The position only: the value is a secret.
                raise ValueError(f"entry {i + 1} is not a Fernet key (32 url-safe base64 bytes; "
                                 "generate one as docs/secrets.md shows)") from None
        return value

    @property
    def grpc_server_threads(self) -> int:
        return self.GRPC_MAX_WORKERS + self.REVOCATION_FEED_MAX_STREAMS

    @property
    def signing_key_encryption_keys(self) -> list[str]:
        return [k.strip() for k in self.SIGNING_KEY_ENCRYPTION_KEYS.split(",") if k.strip()]
