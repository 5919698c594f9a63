"""Enrolling a TOTP authenticator: offer a new secret (QR code and key), and keep it
only once the user proves the app has it by typing its first code (RFC 6238; the
otpauth:// Key Uri Format). The first factor also brings ten recovery codes, shown once.

Nothing is stored until the code is right: the offered secret travels in the form,
sealed (AES-GCM, secret_box.py) to the user it was made for, for ten minutes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from authgate_common.core.audit import AuditEvent, utc_now
from authgate_common.core.errors import InvalidRequest

from ..users import User
from . import recovery_codes, totp
from .ports import FactorUnitOfWork, TotpFactor
from .recovery_codes import RecoveryCodeHasher
from .secret_box import SecretBox

OFFER_TTL_SECONDS = 600
MAX_TOTP_FACTORS = 5
MAX_LABEL = 64
DEFAULT_LABEL = "Authenticator app"


class EnrolmentExpired(InvalidRequest):
    default_description = "The set-up expired, please start again."


class WrongCode(InvalidRequest):
    default_description = "That code is not right. Check the app and try again."


class TooManyFactors(InvalidRequest):
    default_description = "You have as many authenticator apps as allowed; remove one first."


@dataclass(frozen=True)
class EnrolmentOffer:
    secret: str
    uri: str  # otpauth://totp/…, what the QR code holds
    token: str  # the sealed secret, for the form

    @property
    def manual_key(self) -> str:
        return totp.grouped(self.secret)


@dataclass(frozen=True)
class Enrolled:
    factor: TotpFactor
    # Shown once, now; empty when the user still had unused ones.
    recovery_codes: list[str] = field(default_factory=list)


class EnrolTotp:
    def __init__(self, factors: FactorUnitOfWork, box: SecretBox, hasher: RecoveryCodeHasher,
                 issuer_name: str, clock: Callable[[], datetime] = utc_now) -> None:
        self._factors = factors
        self._box = box
        self._hasher = hasher
        self._issuer = issuer_name
        self._clock = clock

    def offer(self, user: User) -> EnrolmentOffer:
        secret = totp.new_secret()
        token = self._box.seal_token({"s": secret}, "enrol:" + user.id, OFFER_TTL_SECONDS)
        return self._offer(user, secret, token)

    def reopen(self, user: User, token: str) -> EnrolmentOffer | None:
        """The same offer again (a wrong code re-shows it), or None when expired."""
        secret = self._secret(user, token)
        return self._offer(user, secret, token) if secret else None

    def _offer(self, user: User, secret: str, token: str) -> EnrolmentOffer:
        return EnrolmentOffer(secret, totp.provisioning_uri(secret, user.username, self._issuer), token)

    def _secret(self, user: User, token: str) -> str | None:
        opened = self._box.open_token(token, "enrol:" + user.id)
        return opened.get("s") if opened else None

    def confirm(self, user: User, token: str, code: str, label: str = "", client_ip: str = "") -> Enrolled:
        secret = self._secret(user, token)
        if not secret:
            raise EnrolmentExpired()
        now = self._clock()
        step = totp.accepted_step(secret, code, None, now)
        if step is None:
            raise WrongCode()
        factor = TotpFactor(id=str(uuid.uuid4()), user_id=user.id, secret=secret, created_at=now,
                            label=(label.strip() or DEFAULT_LABEL)[:MAX_LABEL], last_step=step,
                            last_used_at=now)
        codes: list[str] = []
        with self._factors() as repo:
            existing = repo.totp_factors(user.id, for_update=True)
            if len(existing) >= MAX_TOTP_FACTORS:
                raise TooManyFactors()
            if any(f.secret == secret for f in existing):
                raise EnrolmentExpired()  # this offer was confirmed already (a second submit)
            repo.add_totp(factor)
            repo.audit.record(AuditEvent("mfa.totp.enrolled", user.id, user.id, source=client_ip,
                                         details={"factor": factor.id, "label": factor.label}))
            if repo.recovery_codes_left(user.id) == 0:
                codes = recovery_codes.new_codes()
                hashes = [self._hasher.hash(user.id, c) or "" for c in codes]
                repo.replace_recovery_codes(user.id, hashes, now)
                repo.audit.record(AuditEvent("mfa.recovery_codes.generated", user.id, user.id,
                                             source=client_ip, details={"count": len(codes)}))
        return Enrolled(factor, codes)
