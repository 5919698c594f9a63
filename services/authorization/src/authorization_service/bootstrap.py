"""The composition root: settings in, a wired authorization service out. Nothing happens
at import time."""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc
from authgate_common.crypto import derive_key
from authgate_common.db import migrate_service, service_engine
from authgate_common.grpc_server import channel
from fastapi import FastAPI
from sqlalchemy import Engine

from .adapters.session_client import GrpcSessionLookup
from .adapters.unit_of_work import SqlUnitOfWork
from .domain.authorize.context import AuthorizeDeps
from .domain.authorize.login_marker import LoginMarkers
from .domain.authorize.pipeline import AuthorizeEndpoint
from .domain.client_registry import ClientRegistry
from .domain.client_secrets import SecretHasher
from .domain.clock import SystemClock
from .domain.codes import CodeHasher, CodeIssuer
from .domain.consent.book import ConsentBook
from .domain.consent.decision import ConsentDecision
from .domain.consent.pending import CsrfTokens, PendingRequests
from .domain.ports import Clock, SessionLookup, UnitOfWork
from .domain.redeem import CodeRedeemer
from .entrypoints.consent_api import ConsentHttpDeps
from .entrypoints.grpc_api import registrar
from .entrypoints.http_api import HttpDeps, create_http_app
from .settings import Settings

SCHEMA = "authorization"
MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


@dataclass
class AuthorizationService:
    registry: ClientRegistry
    codes: CodeIssuer
    redeemer: CodeRedeemer
    authorize: AuthorizeEndpoint
    consents: ConsentBook
    decision: ConsentDecision
    http_app: FastAPI
    register: Callable[[grpc.Server], None]
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in self.closers:
            close()


def engine_for(settings: Settings) -> Engine:
    return service_engine(settings, SCHEMA)


def migrate(settings: Settings) -> None:
    migrate_service(settings, SCHEMA, str(MIGRATIONS))


def build(settings: Settings, *, uow: UnitOfWork, sessions: SessionLookup,
          clock: Clock | None = None) -> AuthorizationService:
    """Wire the core and transports from already-built adapters (tests call this too)."""
    clock = clock or SystemClock()
    registry = ClientRegistry(
        uow, SecretHasher(derive_key(settings.SECRET_KEY, "authorization/client-secret")), clock)
    code_hasher = CodeHasher(derive_key(settings.SECRET_KEY, "authorization/code"))
    codes = CodeIssuer(uow, code_hasher, clock, settings.AUTHORIZATION_CODE_TTL_SECONDS)
    redeemer = CodeRedeemer(uow, code_hasher, clock)
    consents = ConsentBook(uow, clock)
    key = settings.SECRET_KEY
    deps = AuthorizeDeps(
        clients=registry, sessions=sessions, codes=codes, issuer=settings.issuer, clock=clock,
        consents=consents,
        pending=PendingRequests(derive_key(key, "authorization/consent-request"),
                                settings.CONSENT_REQUEST_TTL_SECONDS),
        csrf=CsrfTokens(derive_key(key, "authorization/consent-csrf")),
        login_markers=LoginMarkers(derive_key(key, "authorization/login-marker"),
                                   settings.LOGIN_MARKER_TTL_SECONDS))
    authorize = AuthorizeEndpoint(deps)
    decision = ConsentDecision(deps)
    consent_http = ConsentHttpDeps(decision=decision, book=consents, sessions=sessions,
                                   issuer=settings.issuer, session_cookie_name=settings.SESSION_COOKIE_NAME)
    app = create_http_app(HttpDeps(authorize=authorize, consent=consent_http,
                                   session_cookie_name=settings.SESSION_COOKIE_NAME,
                                   max_body_bytes=settings.MAX_BODY_BYTES))
    return AuthorizationService(registry=registry, codes=codes, redeemer=redeemer, authorize=authorize,
                                consents=consents, decision=decision, http_app=app,
                                register=registrar(registry, redeemer))


def bootstrap(settings: Settings) -> AuthorizationService:
    engine = engine_for(settings)
    session_channel = channel(settings.SESSION_GRPC_TARGET)
    service = build(settings, uow=SqlUnitOfWork(engine),
                    sessions=GrpcSessionLookup(session_channel, settings.GRPC_CLIENT_TIMEOUT_SECONDS))
    service.closers.extend([session_channel.close, engine.dispose])
    return service
