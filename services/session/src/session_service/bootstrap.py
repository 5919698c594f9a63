"""The composition root: settings in, a wired session service out. Nothing happens at import."""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
from authgate_common.audit_service import AuditTrailService
from authgate_common.cookies import cookie_rule
from authgate_common.core.access_tokens import TokenValidator
from authgate_common.core.crypto import derive_key
from authgate_common.core.errors import TemporarilyUnavailable
from authgate_common.core.kv import KeyValueStore
from authgate_common.db import ServiceDatabase
from authgate_common.grpc_server import channel_to
from authgate_common.kv import service_store
from authgate_common.token_client import GrpcTokenValidator
from authgate_common.wiring import WiredService
from fastapi import FastAPI

from .adapters.logout_clients import GrpcClientDirectory, GrpcHintVerifier
from .adapters.presence import KvPresence
from .adapters.repository import SqlUnitOfWork
from .adapters.revocation_bus import LocalPublisher, RedisListener, RedisPublisher
from .domain.context import Deps
from .domain.feed import RevocationHub
from .domain.logout_csrf import LogoutCsrf
from .domain.model import Policy
from .domain.ports import Clock, RevocationPublisher, UnitOfWork
from .domain.rp_logout import ClientDirectory, Hint, HintVerifier, RegisteredClient, RpLogout
from .entrypoints.feed_poller import RecordPoller
from .entrypoints.feed_stream import RevocationStream
from .entrypoints.grpc_api import registrar
from .entrypoints.http_api import create_http_app
from .entrypoints.http_auth import WebConfig
from .entrypoints.pages import session_pages
from .settings import Settings

SCHEMA = "session"
DATABASE = ServiceDatabase(SCHEMA, pathlib.Path(__file__).parent / "migrations")
engine_for = DATABASE.engine
migrate = DATABASE.migrate
TOKEN_KEY_PURPOSE = "session/token"
LOGOUT_CSRF_PURPOSE = "session/logout-csrf"
REVOCATION_CHANNEL = "session:revocations"


@dataclass
class SessionService(WiredService):
    deps: Deps
    store: KeyValueStore
    hub: RevocationHub
    http_app: FastAPI

    def close(self) -> None:
        self.hub.close()  # ends open WatchRevocations streams
        super().close()


def utc_now() -> datetime:
    return datetime.now(UTC)


class _Unwired:
    """Stands in for the end-session endpoint's gRPC peers where none were wired: fail closed."""

    def verify(self, id_token_hint: str) -> Hint:
        raise TemporarilyUnavailable(detail="id_token_hint verification not wired")

    def get(self, client_id: str) -> RegisteredClient | None:
        raise TemporarilyUnavailable(detail="client directory not wired")


def build(settings: Settings, *, uow: UnitOfWork, store: KeyValueStore, tokens: TokenValidator,
          clock: Clock = utc_now,
          publisher_for: Callable[[RevocationHub], RevocationPublisher] = LocalPublisher,
          hints: HintVerifier | None = None, clients: ClientDirectory | None = None) -> SessionService:
    """Wire the core and transports from already-built adapters (tests call this too)."""
    policy = Policy(lifetime=timedelta(seconds=settings.SESSION_LIFETIME_SECONDS),
                    idle_timeout=timedelta(seconds=settings.SESSION_IDLE_TIMEOUT_SECONDS),
                    last_seen_write_interval=timedelta(
                        seconds=settings.SESSION_LAST_SEEN_WRITE_INTERVAL_SECONDS),
                    revocation_window=timedelta(seconds=settings.REVOCATION_FEED_WINDOW_SECONDS))
    hub = RevocationHub(clock)
    deps = Deps(uow=uow, presence=KvPresence(store), clock=clock, policy=policy,
                token_key=derive_key(settings.SECRET_KEY, TOKEN_KEY_PURPOSE),
                publisher=publisher_for(hub))
    cookies = cookie_rule(settings.issuer, settings.SESSION_COOKIE_SECURE)
    web = WebConfig(issuer=settings.issuer, cookie_name=cookies.name(settings.SESSION_COOKIE_NAME),
                    cookie_secure=cookies.secure, max_body_bytes=settings.MAX_BODY_BYTES)
    stream = RevocationStream(deps, hub, settings.REVOCATION_FEED_HEARTBEAT_SECONDS)
    rp_logout = RpLogout(deps, hints or _Unwired(), clients or _Unwired(),
                         LogoutCsrf(derive_key(settings.SECRET_KEY, LOGOUT_CSRF_PURPOSE),
                                    settings.LOGOUT_CONFIRM_TTL_SECONDS))
    return SessionService(deps=deps, store=store, hub=hub, register=registrar(deps, stream),
                          http_app=create_http_app(web, deps, tokens, rp_logout,
                                                   session_pages(settings.THEME_DIR)))


def _redis_for_feed(url: str) -> redis.Redis:
    # No socket_timeout: the listener blocks on the subscription, bounded by get_message's own.
    return redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=2,
                                socket_keepalive=True, health_check_interval=10)


def bootstrap(settings: Settings) -> SessionService:
    engine = engine_for(settings)
    store = service_store(settings)
    token_channel = channel_to(settings, "token")
    tokens = GrpcTokenValidator(token_channel, settings.GRPC_CLIENT_TIMEOUT_SECONDS)
    authorization_channel = channel_to(settings, "authorization")
    topic = settings.REDIS_KEY_PREFIX + REVOCATION_CHANNEL
    client = _redis_for_feed(settings.REDIS_URL) if settings.REDIS_URL else None
    publisher_for: Callable[[RevocationHub], RevocationPublisher] = LocalPublisher
    if client is not None:
        publisher_for = lambda hub: RedisPublisher(hub, client, topic)  # noqa: E731
    service = build(settings, uow=SqlUnitOfWork(engine), store=store, tokens=tokens,
                    publisher_for=publisher_for,
                    hints=GrpcHintVerifier(token_channel, settings.GRPC_CLIENT_TIMEOUT_SECONDS),
                    clients=GrpcClientDirectory(authorization_channel, settings.GRPC_CLIENT_TIMEOUT_SECONDS))
    # Closed in the reverse of the order they start: listener, poller, channels, engine.
    service.closers.extend([authorization_channel.close, token_channel.close, engine.dispose])
    poller = None
    if settings.REVOCATION_FEED_POLL_SECONDS > 0:
        poller = RecordPoller(service.deps, service.hub, settings.REVOCATION_FEED_POLL_SECONDS).start()
        service.closers.insert(0, poller.stop)
    if client is not None:
        listener = RedisListener(service.hub, client, topic,
                                 on_resubscribed=poller.poke if poller else lambda: None).start()
        service.closers[:0] = [listener.stop, client.close]
    service.audited_by(AuditTrailService(engine, SCHEMA, settings))
    return service
