"""The composition root: settings in, a wired token service out. Nothing happens at import."""

from __future__ import annotations

import logging
import pathlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from authgate_common.audit_service import AuditTrailService
from authgate_common.client_changes import listening_memory
from authgate_common.core.audit import AuditTrail, MemoryAuditTrail
from authgate_common.core.crypto import derive_key
from authgate_common.core.errors import TemporarilyUnavailable
from authgate_common.core.kv import KeyValueStore
from authgate_common.db import ServiceDatabase
from authgate_common.grpc_server import channel_to, internal_tls
from authgate_common.kv import FailClosedStore, make_store
from authgate_common.revocation_feed import RevokedSessions
from authgate_common.wiring import WiredService
from authgate_dpop import ALGORITHMS as DPOP_ALGORITHMS
from authgate_dpop import NonceIssuer
from cryptography.fernet import MultiFernet
from sqlalchemy import Engine
from starlette.types import ASGIApp

from .adapters.audit_sources import GrpcAuditSource
from .adapters.authorization_client import GrpcAuthorizationClient
from .adapters.catalog_client import GrpcCatalogReader, PolledCatalog
from .adapters.deny_list import MemoryDenyList, RedisDenyList
from .adapters.dpop_replay import StoreReplayGuard
from .adapters.feed_liveness import FeedSessionLiveness
from .adapters.identity_client import GrpcIdentityClient
from .adapters.key_changes import KeyChangePublisher
from .adapters.key_repository import SqlKeyUnitOfWork, make_cipher
from .adapters.refresh_repository import SqlRefreshUnitOfWork
from .adapters.revocation_bus import PublishingDenyList, relay, session_relay
from .adapters.session_liveness import GrpcSessionLiveness
from .domain.admin.audit import AuditSource
from .domain.audiences import AudienceRule
from .domain.clients.cache import CachingClientAuthentication
from .domain.clients.lockout import ClientLockout, LockedOutClients, LockoutPolicy
from .domain.clients.rate_limit import ClientRateLimit, RateLimitedClients
from .domain.dpop import DPoP
from .domain.endpoints.device_authorization import DeviceAuthorization, DeviceStarts
from .domain.endpoints.discovery import Discovery
from .domain.endpoints.introspection import Introspection
from .domain.endpoints.pushed_authorization import AuthorizationRequestPusher, PushedAuthorization
from .domain.endpoints.revocation import Revocation
from .domain.endpoints.token_endpoint import TokenEndpoint
from .domain.endpoints.userinfo import UserInfo
from .domain.grants.authorization_code import AuthorizationCodeGrant
from .domain.grants.client_credentials import ClientCredentialsGrant
from .domain.grants.device_code import DeviceCodeGrant, DevicePolls
from .domain.grants.refresh_token import RefreshTokenGrant
from .domain.grants.token_exchange import TokenExchangeGrant
from .domain.keys.key_lifecycle import KeyPolicy
from .domain.keys.key_ring import KeyRing
from .domain.keys.key_rotation import KeyRotation
from .domain.keys.key_set import KeySet
from .domain.keys.signing_keys import SigningKeys
from .domain.ports import ClientAuthenticator, CodeRedeemer, IdentityPort, SessionLiveness
from .domain.refresh.refresh_cleanup import RefreshCleanup
from .domain.refresh.refresh_store import RefreshUnitOfWork, jti_unit_of_work
from .domain.refresh.refresh_tokens import RefreshTokens
from .domain.revocation.client_tokens import ClientTokenRevocation
from .domain.revocation.deny_list import DenyList, DenyListKeeper
from .domain.revocation.feed_hub import FeedHub
from .domain.revocation.grant_ledger import GrantLedger
from .domain.scopes import CatalogSource, FixedCatalog
from .domain.tokens.id_token_hints import IdTokenHints
from .domain.tokens.issuance import TokenIssuer
from .domain.tokens.logout_tokens import LogoutTokens
from .domain.tokens.minting import TokenMinter
from .domain.tokens.validation import TokenValidator
from .entrypoints.admin_api import admin_routers
from .entrypoints.grpc_api import registrar
from .entrypoints.http_api import TOKEN_PATH, HttpDeps, create_http_app
from .entrypoints.revocation_feed_grpc import RevocationFeedServicer, add_revocation_feed
from .settings import Settings

log = logging.getLogger(__name__)
SCHEMA = "token"
MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
DATABASE = ServiceDatabase(SCHEMA, MIGRATIONS)
engine_for = DATABASE.engine
migrate = DATABASE.migrate
REFRESH_HASH_PURPOSE = "token/refresh"
DPOP_NONCE_PURPOSE = "dpop-nonce"


@dataclass
class TokenService(WiredService):
    signing_keys: SigningKeys
    minter: TokenMinter
    validator: TokenValidator
    ledger: GrantLedger
    keeper: DenyListKeeper  # keeps the Redis deny-list whole (DenyListSyncJob runs it)
    refresh: RefreshTokens
    cleanup: RefreshCleanup
    token_endpoint: TokenEndpoint
    revocation: Revocation
    introspection: Introspection
    http_app: ASGIApp
    feed: RevokedSessions | None = None
    audit: AuditTrail = field(default_factory=MemoryAuditTrail)  # tokens issued and revoked
    device_authorization: DeviceAuthorization | None = None  # RFC 8628 §3.1; None: off

    @property
    def keys(self) -> KeySet:
        """The keys in use right now (a snapshot; rotations swap in a new one)."""
        return self.signing_keys.ring.current()


def key_cipher(settings: Settings) -> MultiFernet:
    return make_cipher(settings.SECRET_KEY, settings.signing_key_encryption_keys)


def rewrap_signing_keys(settings: Settings) -> int:
    """`python -m token_service rewrap`: every stored signing key encrypted again with the
    first encryption key, in one transaction; how many there are."""
    engine = engine_for(settings)
    try:
        with SqlKeyUnitOfWork(engine, key_cipher(settings))() as keys:
            return keys.rewrap()
    finally:
        engine.dispose()


def key_policy(settings: Settings) -> KeyPolicy:
    refresh = timedelta(seconds=settings.SIGNING_KEY_REFRESH_SECONDS)
    longest_token = max(settings.ACCESS_TOKEN_EXPIRE_SECONDS, settings.ID_TOKEN_EXPIRE_SECONDS)
    return KeyPolicy(
        rotate_every=timedelta(days=settings.SIGNING_KEY_ROTATION_DAYS) or None,
        # Replicas publish a new next key within one refresh; caches then hold the JWKS
        # they fetched just before for up to JWKS_CACHE_SECONDS.
        publish_ahead=timedelta(seconds=settings.JWKS_CACHE_SECONDS) + refresh,
        # A replica that has not noticed a rotation yet signs with the old key up to one
        # refresh longer; its tokens live the longest lifetime plus the allowed skew.
        retire_for=timedelta(seconds=longest_token + settings.CLOCK_SKEW_SECONDS) + refresh)


def load_signing_keys(settings: Settings, engine: Engine) -> SigningKeys:
    """The keys from the database, created on first start (current + next)."""
    uow = SqlKeyUnitOfWork(engine, key_cipher(settings))
    return SigningKeys.start(KeyRotation(uow, key_policy(settings)))


def load_keys(settings: Settings, engine: Engine) -> KeySet:
    return load_signing_keys(settings, engine).ring.current()


def rate_limited(settings: Settings, clients: ClientAuthenticator,
                 store: KeyValueStore) -> ClientAuthenticator:
    """Client authentication with the per-client request limit, when it is on."""
    if settings.TOKEN_CLIENT_RATE_LIMIT == 0:
        return clients
    return RateLimitedClients(clients, ClientRateLimit(
        store, settings.TOKEN_CLIENT_RATE_LIMIT, settings.TOKEN_CLIENT_RATE_WINDOW_SECONDS))


def locked_out(settings: Settings, clients: ClientAuthenticator, store: KeyValueStore,
               audit: AuditTrail) -> ClientAuthenticator:
    """Client authentication refused (429) for a client_id and address that failed too often."""
    return LockedOutClients(clients, ClientLockout(store, LockoutPolicy(
        settings.CLIENT_AUTH_MAX_FAILURES, settings.CLIENT_AUTH_FAILURE_WINDOW_SECONDS,
        settings.CLIENT_AUTH_LOCK_SECONDS)), audit)


def client_authentication(
        settings: Settings, clients: ClientAuthenticator,
) -> tuple[ClientAuthenticator, list[Callable[[], None]]]:
    """Client authentication with the per-replica cache, when it can be kept honest: a change
    to a client reaches it over Redis pub/sub (authgate_common.client_changes); with no
    Redis nothing would, so the cache is off. Returns the port and what closes it."""
    if settings.CLIENT_AUTH_CACHE_SECONDS == 0:
        return clients, []
    if not settings.REDIS_URL:
        log.info("client authentication cache off: without REDIS_URL no client change reaches it")
        return clients, []
    # Bypassed (neither read nor filled) until the subscription is confirmed, and whenever lost.
    memory, listener = listening_memory(settings.REDIS_URL, settings.REDIS_KEY_PREFIX,
                                        settings.CLIENT_AUTH_CACHE_SECONDS,
                                        settings.CLIENT_CHANGES_PING_SECONDS)
    return CachingClientAuthentication(clients, memory), [listener.stop]


def dpop_checks(settings: Settings, store: KeyValueStore) -> DPoP:
    """RFC 9449 proofs: single use through the shared store (every replica sees each jti),
    nonces every replica issues and accepts alike (an HMAC under a key from SECRET_KEY)."""
    return DPoP(StoreReplayGuard(store), NonceIssuer(derive_key(settings.SECRET_KEY, DPOP_NONCE_PURPOSE)),
                token_url=settings.issuer + TOKEN_PATH, nonce_required=settings.DPOP_NONCE_REQUIRED,
                max_age_seconds=settings.DPOP_PROOF_MAX_AGE_SECONDS)


class DeviceFlowPort(DeviceStarts, DevicePolls, Protocol):
    """The authorization service's side of the device authorization grant (RFC 8628)."""


def build(settings: Settings, *, signing_keys: SigningKeys, store: KeyValueStore, deny_list: DenyList,
          clients: ClientAuthenticator, codes: CodeRedeemer, identity: IdentityPort,
          sessions: SessionLiveness,
          refresh_uow: RefreshUnitOfWork,
          access_liveness: SessionLiveness | None = None, audit: AuditTrail | None = None,
          catalog: CatalogSource | None = None,
          audit_sources: Mapping[str, AuditSource] | None = None,
          devices: DeviceFlowPort | None = None,
          pushers: AuthorizationRequestPusher | None = None) -> TokenService:
    """Wire the core and transports from already-built adapters (tests call this too).

    `access_liveness` checks sessions on the access-token validation path (the pushed
    revocation feed in production); `sessions` asks the session service and serves the
    refresh grant and refresh-token introspection. `catalog`: the scope catalogue (none: as
    the authorization service's migration seeds it). `audit_sources`: the four services'
    audit trails the admin API reads (none: it answers 503). `devices`: the device
    authorization grant's start and polls (RFC 8628; none: off, as DEVICE_FLOW_ENABLED=false).
    """
    keys: KeyRing = signing_keys.ring
    audit = audit or MemoryAuditTrail()
    jti_uow = jti_unit_of_work(refresh_uow)
    keeper = DenyListKeeper(jti_uow, deny_list)
    ledger = GrantLedger(jti_uow, deny_list, keeper, settings.ACCESS_TOKEN_EXPIRE_SECONDS,
                         settings.CLOCK_SKEW_SECONDS)
    minter = TokenMinter(keys, settings.issuer, settings.ACCESS_TOKEN_EXPIRE_SECONDS,
                         settings.ID_TOKEN_EXPIRE_SECONDS)
    # Bound tokens are checked wherever presented even with DPOP_ENABLED off (minted before).
    dpop = dpop_checks(settings, store)
    validator = TokenValidator(keys, settings.issuer, ledger,
                               sessions if access_liveness is None else access_liveness,
                               settings.CLOCK_SKEW_SECONDS, dpop=dpop)
    refresh = RefreshTokens(refresh_uow, derive_key(settings.SECRET_KEY, REFRESH_HASH_PURPOSE),
                            timedelta(days=settings.REFRESH_TOKEN_EXPIRE_DAYS), ledger)
    catalog = catalog or FixedCatalog()
    issuer = TokenIssuer(minter, ledger, identity, AudienceRule(
        settings.issuer, catalog, resource_indicators=settings.RESOURCE_INDICATORS_ENABLED))
    # Authenticates the callers below: a locked-out pair is refused before its credentials
    # are checked or its budget spent.
    clients = locked_out(settings, rate_limited(settings, clients, store), store, audit)
    endpoint = TokenEndpoint(clients, [
        AuthorizationCodeGrant(codes, issuer, ledger, refresh),
        RefreshTokenGrant(refresh, issuer, sessions, settings.REFRESH_REUSE_GRACE_SECONDS),
        ClientCredentialsGrant(issuer),
        *([TokenExchangeGrant(validator, issuer)] if settings.TOKEN_EXCHANGE_ENABLED else []),
        *([DeviceCodeGrant(devices, issuer, refresh)] if devices is not None else [])], audit=audit,
        dpop=dpop if settings.DPOP_ENABLED else None)
    revocation = Revocation(clients, validator, ledger, refresh, settings.CLOCK_SKEW_SECONDS, audit=audit)
    device_authorization = DeviceAuthorization(clients, devices) if devices is not None else None
    introspection = Introspection(clients, validator, refresh, sessions, settings.issuer)
    app = create_http_app(HttpDeps(
        token_endpoint=endpoint, userinfo=UserInfo(validator, identity, catalog), revocation=revocation,
        discovery=Discovery(settings.issuer, catalog, device_flow=devices is not None,
                            token_exchange=settings.TOKEN_EXCHANGE_ENABLED,
                            registration=settings.DCR_ENABLED, par=pushers is not None,
                            par_required=settings.PAR_REQUIRED, form_post=settings.FORM_POST_ENABLED,
                            dpop_algs=DPOP_ALGORITHMS if settings.DPOP_ENABLED else ()),
        pushed_authorization=PushedAuthorization(clients, pushers) if pushers is not None else None,
        device_authorization=device_authorization,
        introspection=introspection, keys=keys, issuer=settings.issuer,
        jwks_cache_seconds=settings.JWKS_CACHE_SECONDS, max_body_bytes=settings.MAX_BODY_BYTES,
        admin=admin_routers(signing_keys, validator, settings.issuer, audit_sources)))
    return TokenService(signing_keys=signing_keys, minter=minter, validator=validator, ledger=ledger,
                        keeper=keeper, refresh=refresh, cleanup=RefreshCleanup(refresh),
                        token_endpoint=endpoint, revocation=revocation, introspection=introspection,
                        http_app=app, audit=audit, device_authorization=device_authorization,
                        register=registrar(validator, signing_keys, IdTokenHints(keys, settings.issuer),
                                           LogoutTokens(keys, settings.issuer),
                                           client_tokens=ClientTokenRevocation(refresh, ledger)))


def bootstrap(settings: Settings) -> TokenService:
    engine = engine_for(settings)
    signing_keys = load_signing_keys(settings, engine)
    # Keys are in memory now: validation (userinfo, ValidateToken, ext_authz) reads no
    # database (but to reload an emptied deny-list); the grants, revocation and
    # introspection use the engine.
    prefix = settings.REDIS_KEY_PREFIX + "token:"
    store = FailClosedStore(make_store(settings.REDIS_URL, prefix))
    deny_list = RedisDenyList.from_url(settings.REDIS_URL, prefix) if settings.REDIS_URL else MemoryDenyList()
    # Resource servers' verifiers hear every revocation through this replica (RevocationFeedService).
    hub = FeedHub()
    publish, relay_healthy, relay_closers = relay(settings.REDIS_URL, prefix, hub,
                                                  settings.CLIENT_CHANGES_PING_SECONDS)
    if settings.REDIS_URL:  # a forced rotation reaches the other replicas at once
        announce_keys = KeyChangePublisher(settings.REDIS_URL, prefix)
        signing_keys.announce = announce_keys
        relay_closers.append(announce_keys.close)
    timeout = settings.GRPC_CLIENT_TIMEOUT_SECONDS
    channels = {name: channel_to(settings, name) for name in ("authorization", "identity", "session")}
    # Buffered: every token minted is a `token.issued` row (authgate_common.audit_buffer.BufferedAuditLog).
    audit = AuditTrailService(engine, SCHEMA, settings, buffered=True)
    authorization = GrpcAuthorizationClient(channels["authorization"], timeout)
    clients, close_cache = client_authentication(settings, authorization)
    # The scope catalogue: read now (a few seconds' grace for the authorization service to come
    # up), then polled; issuance waits for the first read (adapters/catalog_client.py).
    catalog = PolledCatalog(GrpcCatalogReader(channels["authorization"], timeout),
                            settings.CATALOG_POLL_SECONDS).start(wait_seconds=5)
    feed = None
    if settings.SESSION_LIVENESS_MODE == "feed":
        feed = RevokedSessions(settings.SESSION_GRPC_TARGET, tls=internal_tls(settings),
                               heartbeat_seconds=settings.REVOCATION_FEED_HEARTBEAT_SECONDS,
                               on_revocations=session_relay(hub)).start()
    service = build(
        settings, signing_keys=signing_keys, store=store, deny_list=PublishingDenyList(deny_list, publish),
        access_liveness=FeedSessionLiveness(feed) if feed is not None else None,
        clients=clients, codes=authorization,
        devices=authorization if settings.DEVICE_FLOW_ENABLED else None,
        pushers=authorization if settings.PAR_ENABLED else None,
        identity=GrpcIdentityClient(channels["identity"], timeout),
        sessions=GrpcSessionLiveness(channels["session"], timeout),
        refresh_uow=SqlRefreshUnitOfWork(engine), audit=audit.log, catalog=catalog,
        audit_sources={SCHEMA: audit.log, **{name: GrpcAuditSource(channel, timeout)
                                            for name, channel in channels.items()}})
    if feed is not None:
        service.feed = feed
        service.closers.append(feed.stop)
    service.register = add_revocation_feed(service.register, RevocationFeedServicer(
        hub, feed, jti_unit_of_work(SqlRefreshUnitOfWork(engine)), relay_healthy,
        max_streams=settings.REVOCATION_FEED_MAX_STREAMS))
    service.closers.extend(relay_closers)
    service.closers.extend(close_cache)
    service.closers.append(catalog.stop)
    try:
        service.keeper.ensure_complete()
    except TemporarilyUnavailable as exc:
        log.warning("jti deny-list not loaded yet (%s); validation answers 503 until it is", exc.detail)
    if isinstance(deny_list, RedisDenyList):
        service.closers.append(deny_list.close)
    service.closers.extend(ch.close for ch in channels.values())
    service.closers.append(engine.dispose)
    service.audited_by(audit)
    return service
