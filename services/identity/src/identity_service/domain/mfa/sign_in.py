"""Where a sign-in goes after the password (the sign-in design of issue 19).

A second factor is asked when the user has one enrolled, or must use one
(`mfa_required`), or the request needs the class `urn:authgate:acr:mfa` (the login URL's
`acr` hint, or the client's require_mfa). Then no session is made yet: a pending sign-in
holds the user and "pwd" (pending_signin.py), and a user without a factor enrols TOTP
first. A live session that needs the stronger class (step-up) gets the same pending
record, bound to its sid, and is elevated rather than replaced (complete.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from authgate_common.core.acr import ACR_MFA, satisfies

from ..login import PASSWORD_AMR, Login
from ..ports import StartedSession
from ..users import User
from .manage import ManageFactors
from .pending_signin import STEP_UP, PendingSignIn, PendingSignIns
from .sessions import LiveSession


@dataclass(frozen=True)
class SecondFactorDue:
    cookie: str  # the pending sign-in's cookie value
    enrol: bool  # the user has no factor yet: enrol TOTP first


def needs_second_factor(user: User, methods: set[str], acr: str | None) -> bool:
    return bool(methods) or user.mfa_required or acr == ACR_MFA


class PasswordSignIn:
    def __init__(self, login: Login, factors: ManageFactors, pending: PendingSignIns) -> None:
        self._login = login
        self._factors = factors
        self._pending = pending

    def __call__(self, username: str, password: str, client_ip: str, user_agent: str, *,
                 return_to: str = "/", acr: str | None = None) -> StartedSession | SecondFactorDue:
        """A session when the password is enough; else the pending sign-in. Wrong
        credentials raise WrongCredentials (domain/login.py)."""
        user = self._login.password(username, password, client_ip)
        methods = self._factors.methods(user.id)
        if not needs_second_factor(user, methods, acr):
            return self._login.start(user, client_ip, user_agent, PASSWORD_AMR)
        cookie = self._pending.start(PendingSignIn(user.id, PASSWORD_AMR, return_to))
        return SecondFactorDue(cookie, enrol=not methods)


class StartStepUp:
    def __init__(self, factors: ManageFactors, pending: PendingSignIns) -> None:
        self._factors = factors
        self._pending = pending

    def __call__(self, session: LiveSession, return_to: str) -> SecondFactorDue | None:
        """The pending step-up of a live session; None when it has two factors already."""
        if satisfies(session.amr, ACR_MFA):
            return None
        methods = self._factors.methods(session.user_id)
        cookie = self._pending.start(PendingSignIn(session.user_id, session.amr, return_to,
                                                   purpose=STEP_UP, sid=session.sid))
        return SecondFactorDue(cookie, enrol=not methods)
