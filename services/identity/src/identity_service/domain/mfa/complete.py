"""Finishing a pending sign-in once its second factor passed: a TOTP or recovery code
(second_factor.py), a first TOTP enrolment, or a passkey (verified by domain/passkeys,
which calls `finish`).

A sign-in gets a new session whose amr is the union of the methods (RFC 8176 §2),
with "mfa" since two factors were used: ["pwd", "otp", "mfa"]. A step-up elevates
the live session it was started for (SessionService.ElevateSession: new cookie value,
same sid); a cookie that no longer names that session ends the step-up. The pending
record is single use: it is deleted once the session is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from authgate_common.core.acr import AMR_MFA, AMR_OTP
from authgate_common.core.audit import AuditEvent
from authgate_common.core.errors import LoginRequired

from ..login import Login
from ..ports import StartedSession, UserUnitOfWork
from ..users import User
from .enrol import EnrolTotp, TooManyFactors
from .manage import ManageFactors
from .pending_signin import STEP_UP, PendingSignIn, PendingSignIns
from .second_factor import VerifySecondFactor
from .sessions import SessionGate


class SignInExpired(LoginRequired):
    default_description = "Your sign-in expired, please start again."


@dataclass(frozen=True)
class Completed:
    session: StartedSession
    return_to: str


def union(*groups: Sequence[str]) -> list[str]:
    """The methods in first-seen order, each once."""
    return list(dict.fromkeys(m for g in groups for m in g))


class CompleteSignIn:
    def __init__(self, pending: PendingSignIns, users: UserUnitOfWork, login: Login, sessions: SessionGate,
                 verify: VerifySecondFactor, enrol: EnrolTotp, factors: ManageFactors) -> None:
        self._pending = pending
        self._users = users
        self._login = login
        self._sessions = sessions
        self._verify = verify
        self._enrol = enrol
        self._factors = factors

    def pending(self, cookie: str) -> tuple[PendingSignIn, User]:
        """The pending sign-in of this cookie and its user; SignInExpired when there is none
        (expired, finished, or its user was disabled or deleted meanwhile)."""
        found = self._pending.find(cookie)
        if found is None:
            raise SignInExpired()
        with self._users() as users:
            user = users.get(found.user_id)
        if user is None or user.disabled:
            self._pending.finish(cookie)
            raise SignInExpired()
        return found, user

    def with_code(self, cookie: str, code: str, client_ip: str, user_agent: str,
                  session_token: str = "") -> Completed | None:
        """Finish with a TOTP or recovery code; None when the code is wrong (counted)."""
        found, user = self.pending(cookie)
        if self._verify(user, code, client_ip) is None:
            return None
        return self.finish(cookie, [AMR_OTP], client_ip, user_agent, session_token)

    def with_enrolment(self, cookie: str, offer_token: str, code: str, label: str, client_ip: str,
                       user_agent: str, session_token: str = "") -> tuple[Completed, list[str]]:
        """Enrol a first TOTP factor and finish with it (its first code is the second
        factor); the recovery codes to show once. Only for a user with no factor yet: one
        with a factor proves it instead (EnrolmentExpired / WrongCode / TooManyFactors)."""
        found, user = self.pending(cookie)
        if self._factors.methods(user.id):
            raise TooManyFactors("You have a second factor already: use it to sign in.")
        enrolled = self._enrol.confirm(user, offer_token, code, label, client_ip)
        return self.finish(cookie, [AMR_OTP], client_ip, user_agent, session_token), enrolled.recovery_codes

    def finish(self, cookie: str, methods: Sequence[str], client_ip: str, user_agent: str,
               session_token: str = "") -> Completed:
        """The second factor passed with `methods` (RFC 8176 values): make or elevate the
        session. The caller verified the factor for this pending sign-in's user."""
        found, user = self.pending(cookie)
        if found.purpose == STEP_UP:
            live = self._sessions.validate_session(session_token)
            if live is None or live.sid != found.sid or live.user_id != user.id:
                self._pending.finish(cookie)
                raise SignInExpired()
            added = union(methods, [AMR_MFA])
            started = self._sessions.elevate_session(session_token, added)
            self._verify.audit.record(AuditEvent("login.step_up", user.id, user.id, sid=started.sid,
                                                 source=client_ip, details={"amr": union(live.amr, added)}))
        else:
            started = self._login.start(user, client_ip, user_agent, union(found.amr, methods, [AMR_MFA]))
        self._pending.finish(cookie)
        return Completed(started, found.return_to)
