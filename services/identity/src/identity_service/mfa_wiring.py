"""The second factors (TOTP, recovery codes, passkeys) wired from settings and the identity
service's other parts (called by bootstrap.build; tests pass in-memory stores)."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from authgate_common.cookies import CookieRule
from authgate_common.core.crypto import derive_key
from authgate_common.core.kv import KeyValueStore

from .adapters.pending_store import KvPendingStore
from .domain.login import Login
from .domain.mfa.complete import CompleteSignIn
from .domain.mfa.enrol import EnrolTotp
from .domain.mfa.manage import ManageFactors
from .domain.mfa.pending_signin import PendingSignIns
from .domain.mfa.ports import FactorUnitOfWork
from .domain.mfa.recovery_codes import RecoveryCodeHasher
from .domain.mfa.second_factor import VerifySecondFactor
from .domain.mfa.secret_box import SecretBox
from .domain.mfa.sessions import SessionGate
from .domain.mfa.sign_in import PasswordSignIn, StartStepUp
from .domain.passkeys.ports import PasskeyUnitOfWork
from .domain.ports import UserUnitOfWork
from .domain.throttle import LoginThrottle
from .entrypoints.passkeys import PasskeyDeps, passkey_deps
from .entrypoints.pending_cookie import PendingCookie
from .entrypoints.second_factor import MfaDeps
from .settings import Settings

# Key purposes (authgate_common.core.crypto.derive_key): one key per use.
TOTP_SECRET_PURPOSE = "identity/totp-secret"  # the factors' secrets at rest (adapters)
ENROLMENT_PURPOSE = "identity/totp-enrolment"  # an offered secret sealed into its form
RECOVERY_CODE_PURPOSE = "identity/recovery-code"
PENDING_PURPOSE = "identity/pending-signin"


@dataclass(frozen=True)
class MfaAdapters:
    """What the second factors keep, and where: factors and passkeys (SQL), the session
    service (look up, elevate), pending sign-ins and challenges (key-value store)."""

    factors: FactorUnitOfWork
    sessions: SessionGate
    kv: KeyValueStore
    passkeys: PasskeyUnitOfWork | None = None


def totp_secret_box(settings: Settings) -> SecretBox:
    return SecretBox(derive_key(settings.SECRET_KEY, TOTP_SECRET_PURPOSE))


def totp_issuer(settings: Settings) -> str:
    return settings.MFA_TOTP_ISSUER or urllib.parse.urlsplit(settings.issuer).hostname or "authgate"


def mfa_deps(settings: Settings, adapters: MfaAdapters, *, users: UserUnitOfWork, login: Login,
             throttle: LoginThrottle | None, rule: CookieRule) -> tuple[MfaDeps, PasskeyDeps | None]:
    factors, sessions = adapters.factors, adapters.sessions
    hasher = RecoveryCodeHasher(derive_key(settings.SECRET_KEY, RECOVERY_CODE_PURPOSE))
    manage = ManageFactors(factors, users, hasher, (), throttle)
    pending = PendingSignIns(KvPendingStore(adapters.kv), derive_key(settings.SECRET_KEY, PENDING_PURPOSE))
    enrol = EnrolTotp(factors, SecretBox(derive_key(settings.SECRET_KEY, ENROLMENT_PURPOSE)), hasher,
                      totp_issuer(settings))
    verify = VerifySecondFactor(factors, hasher, throttle)
    complete = CompleteSignIn(pending, users, login, sessions, verify, enrol, manage)
    passkeys = None
    if adapters.passkeys is not None:
        passkeys = passkey_deps(issuer=settings.issuer, secret_key=settings.SECRET_KEY,
                                rp_id=settings.WEBAUTHN_RP_ID, origins=settings.WEBAUTHN_ORIGINS,
                                passkeys=adapters.passkeys, users=users, store=adapters.kv, login=login,
                                complete=complete, throttle=throttle)
        manage.others.append(passkeys.manage)  # listed, counted and reset with TOTP
    return MfaDeps(sign_in=PasswordSignIn(login, manage, pending), step_up=StartStepUp(manage, pending),
                   complete=complete, enrol=enrol, factors=manage, sessions=sessions,
                   pending_cookie=PendingCookie(rule, pending.ttl_seconds)), passkeys
