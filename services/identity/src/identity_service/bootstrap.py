"""The composition root: settings in, a wired identity service out. Nothing happens at import."""

from __future__ import annotations

import pathlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

from authgate_common.audit_service import AuditTrailService
from authgate_common.cookies import cookie_rule
from authgate_common.core.access_tokens import TokenInfo, TokenValidator
from authgate_common.core.crypto import derive_key
from authgate_common.core.errors import TemporarilyUnavailable
from authgate_common.db import ServiceDatabase
from authgate_common.grpc_server import channel_to
from authgate_common.kv import FailClosedStore, service_store
from authgate_common.token_client import GrpcTokenValidator
from authgate_common.wiring import WiredService
from fastapi import FastAPI

from .account_wiring import AccountAdapters, account_deps
from .adapters.account_tokens import SqlAccountUnitOfWork
from .adapters.client_directory import GrpcClientDirectory
from .adapters.factor_repository import SqlFactorUnitOfWork
from .adapters.passkey_repository import SqlPasskeyUnitOfWork
from .adapters.session_client import GrpcSessions
from .adapters.user_repository import SqlUserUnitOfWork
from .domain.access.definitions import AccessDefinitions
from .domain.access.user_access import SetUserAccess
from .domain.admin.users import UserAdmin
from .domain.claims import UserClaims
from .domain.clients import ClientDirectory, NoClients
from .domain.create_user import CreateUser
from .domain.directory import Directory
from .domain.login import Login
from .domain.login_csrf import LoginCsrf
from .domain.passwords import PasswordHasher
from .domain.ports import Sessions, UserUnitOfWork
from .domain.throttle import Counters, LoginThrottle, ThrottlePolicy
from .domain.verify_password import VerifyPassword
from .entrypoints.access_grpc import AccessUseCases
from .entrypoints.admin_users import AdminDeps
from .entrypoints.cookies import CookiePolicy
from .entrypoints.grpc_api import UseCases, registrar
from .entrypoints.http_api import HttpDeps, create_http_app
from .entrypoints.login_page import identity_pages
from .mfa_wiring import MfaAdapters, mfa_deps, totp_secret_box
from .settings import Settings

SCHEMA = "identity"
DATABASE = ServiceDatabase(SCHEMA, pathlib.Path(__file__).parent / "migrations")
engine_for = DATABASE.engine
migrate = DATABASE.migrate
LOGIN_CSRF_PURPOSE = "identity/login-csrf"


@dataclass
class IdentityService(WiredService):
    use_cases: UseCases
    login: Login
    hasher: PasswordHasher
    http_app: FastAPI


def throttle_policy(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        max_failures_per_account=settings.LOGIN_MAX_FAILURES_PER_ACCOUNT,
        max_failures_per_address=settings.LOGIN_MAX_FAILURES_PER_ADDRESS,
        window_seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS,
        lockout_seconds=settings.LOGIN_LOCKOUT_SECONDS,
        max_lockout_seconds=settings.LOGIN_LOCKOUT_MAX_SECONDS)


class _Unwired:
    """Stands in for the token service where none was wired: the admin API fails closed."""

    def validate(self, token: str, required_scopes: Sequence[str] = ()) -> TokenInfo:
        raise TemporarilyUnavailable(detail="token validation not wired")


def build(settings: Settings, *, uow: UserUnitOfWork, sessions: Sessions,
          hasher: PasswordHasher | None = None, counters: Counters | None = None,
          tokens: TokenValidator | None = None,
          clients: ClientDirectory | None = None, mfa: MfaAdapters | None = None,
          account: AccountAdapters | None = None) -> IdentityService:
    """Wire the core and transports from already-built adapters (tests call this too).
    Without `mfa` the sign-in is password-only (second factors, passkeys not wired)."""
    hasher = hasher or PasswordHasher(settings.BCRYPT_ROUNDS)
    throttle = LoginThrottle(counters, throttle_policy(settings)) if counters is not None else None
    verify = VerifyPassword(uow, hasher, throttle)
    create_user = CreateUser(uow, hasher, settings.PASSWORD_MIN_LENGTH)
    directory = Directory(uow, sessions)
    access = AccessUseCases(AccessDefinitions(uow), SetUserAccess(uow))
    use_cases = UseCases(create_user=create_user, directory=directory, verify_password=verify,
                         claims=UserClaims(uow, directory), access=access)
    login = Login(verify, sessions)
    cookies = CookiePolicy(LoginCsrf(derive_key(settings.SECRET_KEY, LOGIN_CSRF_PURPOSE)),
                           cookie_rule(settings.issuer, settings.SESSION_COOKIE_SECURE),
                           settings.SESSION_COOKIE_NAME)
    second, passkeys = mfa_deps(settings, mfa, users=uow, login=login, throttle=throttle,
                                rule=cookies.rule) if mfa is not None else (None, None)
    factors = second.factors if second is not None else None
    user_admin = UserAdmin(uow, directory, create_user, verify, hasher, settings.PASSWORD_MIN_LENGTH)
    admin = AdminDeps(user_admin, tokens or _Unwired(), settings.issuer, access.set_access, factors)
    use_cases = replace(use_cases, admin=user_admin, factors=factors)  # the operator's MFA switches
    mail = bool(settings.SMTP_HOST)  # the account flows that send mail answer 503 without it
    pages = identity_pages(settings.THEME_DIR, password_reset=mail,
                           registration=mail and settings.SELF_REGISTRATION_ENABLED,
                           passkeys=passkeys is not None and passkeys.available)
    # Password reset, email verification, registration, password change: with `account`.
    account_flows = account_deps(settings, account, pages=pages, cookies=cookies, create_user=create_user,
                                 verify=verify, hasher=hasher, directory=directory, counters=counters,
                                 throttle=throttle) if account is not None else None
    app = create_http_app(HttpDeps(login=login, cookies=cookies, max_body_bytes=settings.MAX_BODY_BYTES,
                                   admin=admin, pages=pages, clients=clients or NoClients(), mfa=second,
                                   passkeys=passkeys, account_flows=account_flows))
    return IdentityService(use_cases=use_cases, login=login, hasher=hasher, http_app=app,
                           register=registrar(use_cases))


def bootstrap(settings: Settings) -> IdentityService:
    engine = engine_for(settings)
    session_channel = channel_to(settings, "session")
    token_channel = channel_to(settings, "token")  # bearer tokens at the admin API
    authorization_channel = channel_to(settings, "authorization")  # client names on the login page
    # Failure counters are shared by every replica (Redis); a store that cannot answer
    # makes logins answer 503 rather than skip the protection.
    counters = FailClosedStore(service_store(settings))
    timeout = settings.GRPC_CLIENT_TIMEOUT_SECONDS
    sessions = GrpcSessions(session_channel, timeout)
    mfa = MfaAdapters(SqlFactorUnitOfWork(engine, totp_secret_box(settings)), sessions, counters,
                      SqlPasskeyUnitOfWork(engine))
    service = build(settings, uow=SqlUserUnitOfWork(engine), counters=counters, sessions=sessions, mfa=mfa,
                    tokens=GrpcTokenValidator(token_channel, timeout),
                    clients=GrpcClientDirectory(authorization_channel, timeout),
                    account=AccountAdapters(SqlAccountUnitOfWork(engine), sessions))
    service.closers.extend([authorization_channel.close, token_channel.close, session_channel.close,
                            engine.dispose])
    service.audited_by(AuditTrailService(engine, SCHEMA, settings))
    return service
