"""The composition root: settings in, a wired authorization service out. Nothing happens
at import time."""

from __future__ import annotations

import pathlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from authgate_common.audit_service import AuditTrailService
from authgate_common.client_changes import ClientChangePublisher, listening_memory
from authgate_common.cookies import cookie_rule
from authgate_common.core.access_tokens import TokenInfo, TokenValidator
from authgate_common.core.client_memory import ClientMemory
from authgate_common.core.crypto import derive_key
from authgate_common.core.errors import TemporarilyUnavailable
from authgate_common.core.kv import KeyValueStore
from authgate_common.db import ServiceDatabase
from authgate_common.grpc_server import channel_to, internal_tls
from authgate_common.kv import service_store
from authgate_common.revocation_feed import RevokedSessions
from authgate_common.token_client import GrpcTokenValidator
from authgate_common.wiring import WiredService
from fastapi import FastAPI

from .adapters.dcr_unit_of_work import SqlDcrUnitOfWork
from .adapters.jti_registry import MemoryJtiRegistry, RedisJtiRegistry
from .adapters.logout_poster import HttpLogoutPoster
from .adapters.logout_token_client import GrpcLogoutTokenSigner
from .adapters.pushed_request_repository import SqlPushedRequests
from .adapters.session_client import GrpcSessionLookup
from .adapters.token_revoker import GrpcTokenRevoker
from .adapters.unit_of_work import SqlUnitOfWork
from .dcr_wiring import wire_dcr
from .device_wiring import device_flow
from .domain.admin.clients import ClientAdmin
from .domain.admin.consents import ConsentAdmin
from .domain.authorize.context import AuthorizeDeps
from .domain.authorize.login_marker import LoginMarkers
from .domain.authorize.pipeline import AuthorizeEndpoint
from .domain.backchannel.delivery import BackchannelDelivery
from .domain.backchannel.models import RetryPolicy
from .domain.backchannel.notices import LogoutNotices
from .domain.backchannel.ports import DeliveryFailed, LogoutPoster, LogoutTokenSigner
from .domain.backchannel.targets import TargetPolicy
from .domain.catalog.book import CatalogBook
from .domain.catalog.cache import CatalogCache
from .domain.client_assertion import ClientAssertions, JtiRegistry
from .domain.client_registry import ClientRegistry
from .domain.client_secrets import SecretHasher
from .domain.client_updates import ClientUpdates
from .domain.clock import SystemClock
from .domain.codes import CodeHasher, CodeIssuer
from .domain.consent.book import ConsentBook
from .domain.consent.decision import ConsentDecision
from .domain.consent.pending import CsrfTokens, PendingRequests
from .domain.consent.relay import OutboxRelay, RelayPolicy, TokenRevoker
from .domain.dcr.ports import DcrUnitOfWork
from .domain.models import Client
from .domain.par.push import PushAuthorizationRequests
from .domain.par.store import PushedRequestStore
from .domain.ports import ClientChanges, Clock, SessionLookup, UnitOfWork
from .domain.redeem import CodeRedeemer
from .domain.remembered_clients import ForgetOnChange, RememberedClients
from .entrypoints.admin_clients import AdminClientDeps
from .entrypoints.admin_consents import AdminConsentDeps
from .entrypoints.backchannel_worker import BackchannelWorker
from .entrypoints.consent_api import ConsentHttpDeps
from .entrypoints.grpc_api import registrar
from .entrypoints.http_api import HttpDeps, create_http_app
from .entrypoints.outbox_relay_job import OutboxRelayJob
from .entrypoints.pages import authorization_pages
from .par_wiring import pushed_authorization
from .settings import Settings

SCHEMA = "authorization"
DATABASE = ServiceDatabase(SCHEMA, pathlib.Path(__file__).parent / "migrations")
engine_for = DATABASE.engine
migrate = DATABASE.migrate
TOKEN_ENDPOINT_PATH = "/api/v1/oauth/token"


@dataclass
class AuthorizationService(WiredService):
    registry: ClientRegistry
    updates: ClientUpdates
    codes: CodeIssuer
    redeemer: CodeRedeemer
    authorize: AuthorizeEndpoint
    consents: ConsentBook
    decision: ConsentDecision
    http_app: FastAPI
    logout_notices: LogoutNotices
    logout_delivery: BackchannelDelivery
    outbox_relay: OutboxRelay
    catalog: CatalogBook
    pusher: PushAuthorizationRequests | None = None  # PushAuthorizationRequest (RFC 9126); None: off


class _NoBackchannel:
    """Stands in where no token service or HTTP client was wired (tests of other parts)."""

    def sign(self, client_id: str, sub: str, sid: str) -> str:
        raise DeliveryFailed("back-channel logout is not wired")

    def post(self, uri: str, logout_token: str) -> None:
        raise DeliveryFailed("back-channel logout is not wired")


def retry_policy(settings: Settings) -> RetryPolicy:
    attempt = settings.GRPC_CLIENT_TIMEOUT_SECONDS + settings.BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS
    return RetryPolicy(base=timedelta(seconds=settings.BACKCHANNEL_LOGOUT_RETRY_BASE_SECONDS),
                       cap=timedelta(seconds=settings.BACKCHANNEL_LOGOUT_RETRY_MAX_SECONDS),
                       max_attempts=settings.BACKCHANNEL_LOGOUT_MAX_ATTEMPTS,
                       # Comfortably past the longest an attempt can take (both timeouts).
                       lease=timedelta(seconds=2 * attempt + 30))


class _Unannounced:
    """No Redis (the embedded default): no token replica caches client authentications then."""

    def announce(self, client_id: str) -> None:
        pass


class _NoTokenService:
    """Stands in for bearer-token validation where no token service was wired: the admin
    API fails closed."""

    def validate(self, token: str, required_scopes: Sequence[str] = ()) -> TokenInfo:
        raise TemporarilyUnavailable(detail="token validation not wired")


class _NoRevoker:
    """Stands in where no token service was wired: messages wait in the outbox."""

    def revoke_client_tokens(self, user_id: str, client_id: str) -> int:
        raise TemporarilyUnavailable(detail="the token service is not wired")


def relay_policy(settings: Settings) -> RelayPolicy:
    return RelayPolicy(base=timedelta(seconds=settings.OUTBOX_RELAY_RETRY_BASE_SECONDS),
                       cap=timedelta(seconds=settings.OUTBOX_RELAY_RETRY_MAX_SECONDS),
                       lease=timedelta(seconds=2 * settings.GRPC_CLIENT_TIMEOUT_SECONDS + 30))


def build(settings: Settings, *, uow: UnitOfWork, sessions: SessionLookup,
          clock: Clock | None = None, signer: LogoutTokenSigner | None = None,
          poster: LogoutPoster | None = None, jtis: JtiRegistry | None = None,
          revoker: TokenRevoker | None = None, changes: ClientChanges | None = None,
          client_memory: ClientMemory[Client] | None = None,
          tokens: TokenValidator | None = None,
          pushed_requests: PushedRequestStore | None = None,
          dcr_uow: DcrUnitOfWork | None = None,
          device_attempts: KeyValueStore | None = None) -> AuthorizationService:
    """Wire the core and transports from already-built adapters (tests call this too).

    `client_memory`: where /authorize remembers client registrations (none: it reads each).
    `tokens`: checks the admin API's bearer tokens (none: that API answers 503).
    `device_attempts`: where wrong user codes are counted (none: in this process).
    """
    clock = clock or SystemClock()
    # RFC 7523 §3: the assertion's aud names this server: the issuer or the token endpoint.
    assertions = ClientAssertions((settings.issuer, settings.issuer + TOKEN_ENDPOINT_PATH),
                                  jtis or MemoryJtiRegistry(), settings.CLOCK_SKEW_SECONDS)
    hasher = SecretHasher(derive_key(settings.SECRET_KEY, "authorization/client-secret"))
    changes = changes or _Unannounced()
    if client_memory is not None:
        changes = ForgetOnChange(client_memory, changes)
    registry = ClientRegistry(uow, hasher, clock, assertions, changes)
    code_hasher = CodeHasher(derive_key(settings.SECRET_KEY, "authorization/code"))
    codes = CodeIssuer(uow, code_hasher, clock, settings.AUTHORIZATION_CODE_TTL_SECONDS)
    redeemer = CodeRedeemer(uow, code_hasher, clock)
    consents = ConsentBook(uow, clock)
    # /authorize and the consent page read the catalogue as of at most a second ago.
    catalog_cache = CatalogCache(uow, max_age=1.0)
    catalog = CatalogBook(uow, clock, settings.issuer, catalog_cache)
    key = settings.SECRET_KEY
    deps = AuthorizeDeps(
        clients=registry if client_memory is None else RememberedClients(registry, client_memory),
        sessions=sessions, codes=codes, issuer=settings.issuer, clock=clock,
        consents=consents,
        pending=PendingRequests(derive_key(key, "authorization/consent-request"),
                                settings.CONSENT_REQUEST_TTL_SECONDS),
        csrf=CsrfTokens(derive_key(key, "authorization/consent-csrf")),
        login_markers=LoginMarkers(derive_key(key, "authorization/login-marker"),
                                   settings.LOGIN_MARKER_TTL_SECONDS),
        form_post_enabled=settings.FORM_POST_ENABLED,
        resource_indicators_enabled=settings.RESOURCE_INDICATORS_ENABLED,
        catalog=catalog_cache, pushed=pushed_authorization(settings, clock, pushed_requests))
    authorize = AuthorizeEndpoint(deps)
    pusher = PushAuthorizationRequests(deps, deps.pushed) if deps.pushed is not None else None
    decision = ConsentDecision(deps)
    cookie_name = cookie_rule(settings.issuer).name(settings.SESSION_COOKIE_NAME)
    pages = authorization_pages(settings.THEME_DIR)
    consent_http = ConsentHttpDeps(decision=decision, book=consents, sessions=sessions,
                                   issuer=settings.issuer, session_cookie_name=cookie_name, pages=pages)
    updates = ClientUpdates(uow, hasher, changes)
    tokens = tokens or _NoTokenService()
    # Dynamic client registration (RFC 7591/7592); None: off or not wired.
    dcr = wire_dcr(settings, dcr_uow, registry, updates, hasher, clock)
    # The device authorization grant (RFC 8628); None: DEVICE_FLOW_ENABLED is off.
    device = device_flow(settings, uow, clock, catalog_cache, consents, sessions, pages, cookie_name,
                         device_attempts)
    app = create_http_app(HttpDeps(
        authorize=authorize, consent=consent_http, session_cookie_name=cookie_name,
        max_body_bytes=settings.MAX_BODY_BYTES,
        admin_clients=AdminClientDeps(ClientAdmin(uow, registry, updates), tokens, settings.issuer),
        admin_consents=AdminConsentDeps(ConsentAdmin(consents), tokens, settings.issuer), pages=pages,
        dcr=dcr.http if dcr else None, device=device[1] if device else None))
    notices = LogoutNotices(
        uow, clock, keep_finished=timedelta(seconds=settings.REVOCATION_FEED_WINDOW_SECONDS, days=1),
        keep_participants=timedelta(seconds=settings.SESSION_LIFETIME_SECONDS, days=1))
    delivery = BackchannelDelivery(uow, clock, signer or _NoBackchannel(), poster or _NoBackchannel(),
                                   retry_policy(settings))
    return AuthorizationService(registry=registry, updates=updates, codes=codes, redeemer=redeemer,
                                authorize=authorize, consents=consents, decision=decision, http_app=app,
                                register=registrar(registry, updates, redeemer, catalog,
                                                   device[0] if device else None, pusher=pusher,
                                                   initial_tokens=dcr.initial_tokens if dcr else None),
                                logout_notices=notices,
                                logout_delivery=delivery,
                                outbox_relay=OutboxRelay(uow, clock, revoker or _NoRevoker(),
                                                         relay_policy(settings)),
                                catalog=catalog, pusher=pusher)


def bootstrap(settings: Settings) -> AuthorizationService:
    engine = engine_for(settings)
    session_channel = channel_to(settings, "session")
    token_channel = channel_to(settings, "token")
    poster = HttpLogoutPoster(settings.BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS,
                              TargetPolicy(allow_loopback=settings.BACKCHANNEL_LOGOUT_ALLOW_LOOPBACK,
                                           require_https=settings.ENVIRONMENT != "development"))
    # Used assertion jtis are shared by every replica through Redis (the embedded default
    # keeps them in memory: one replica).
    jtis = (RedisJtiRegistry.from_url(settings.REDIS_URL, settings.REDIS_KEY_PREFIX + "authorization:")
            if settings.REDIS_URL else MemoryJtiRegistry())
    # Changed, rotated and deleted clients reach every replica's client memory at once (the
    # token replicas' authentications, the authorization replicas' registrations).
    publisher = (ClientChangePublisher.from_url(settings.REDIS_URL, settings.REDIS_KEY_PREFIX)
                 if settings.REDIS_URL else None)
    # /authorize remembers registrations only where changes reach it (the same channel).
    memory, listener = (listening_memory(settings.REDIS_URL, settings.REDIS_KEY_PREFIX,
                                         settings.CLIENT_CACHE_SECONDS, settings.CLIENT_CHANGES_PING_SECONDS)
                        if settings.REDIS_URL and settings.CLIENT_CACHE_SECONDS > 0 else (None, None))
    service = build(settings, uow=SqlUnitOfWork(engine), changes=publisher, client_memory=memory,
                    pushed_requests=SqlPushedRequests(engine), dcr_uow=SqlDcrUnitOfWork(engine),
                    device_attempts=service_store(settings),
                    sessions=GrpcSessionLookup(session_channel, settings.GRPC_CLIENT_TIMEOUT_SECONDS),
                    signer=GrpcLogoutTokenSigner(token_channel, settings.GRPC_CLIENT_TIMEOUT_SECONDS),
                    poster=poster, jtis=jtis,
                    revoker=GrpcTokenRevoker(token_channel, settings.GRPC_CLIENT_TIMEOUT_SECONDS),
                    tokens=GrpcTokenValidator(token_channel, settings.GRPC_CLIENT_TIMEOUT_SECONDS))
    # Consent withdrawals reach the token service from the outbox, off the request path.
    relay_job = OutboxRelayJob(service.outbox_relay, settings.OUTBOX_RELAY_POLL_SECONDS).start()
    # Back-channel logout: sessions that end reach every replica through the revocation
    # feed; the worker queues and delivers their logouts off every request path.
    worker = BackchannelWorker(service.logout_notices, service.logout_delivery,
                               poll_seconds=settings.BACKCHANNEL_LOGOUT_POLL_SECONDS,
                               concurrency=settings.BACKCHANNEL_LOGOUT_CONCURRENCY).start()
    feed = RevokedSessions(settings.SESSION_GRPC_TARGET, tls=internal_tls(settings),
                           heartbeat_seconds=settings.REVOCATION_FEED_HEARTBEAT_SECONDS,
                           on_revocations=worker.sessions_ended).start()
    service.closers.extend([relay_job.stop, jtis.close, feed.stop, worker.stop, poster.close,
                            token_channel.close, session_channel.close, engine.dispose])
    if publisher is not None:
        service.closers.append(publisher.close)
    if listener is not None:
        service.closers.append(listener.stop)
    service.audited_by(AuditTrailService(engine, SCHEMA, settings))
    return service
