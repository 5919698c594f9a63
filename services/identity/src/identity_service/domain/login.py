"""Password login: verify, then start a brand-new SSO session in the session service.

A login never adopts a session id the browser already holds (session fixation, OWASP
Session Management Cheat Sheet "Renew the Session ID After Any Privilege Level Change"),
and every failure — unknown user, wrong password, disabled user — reads the same.
Each attempt is counted in `logins_total{result}`: success, failure (wrong credentials)
or error (the directory or the session service could not answer). A success is
audited with the new session's sid (failures are, by VerifyPassword).
"""

from __future__ import annotations

from collections.abc import Sequence

from authgate_common.core import counters
from authgate_common.core.audit import AuditEvent
from authgate_common.core.errors import AccessDenied

from .ports import Sessions, StartedSession
from .users import User
from .verify_password import VerifyPassword

MAX_USER_AGENT = 512
PASSWORD_AMR = ("pwd",)  # RFC 8176 §2


class WrongCredentials(AccessDenied):
    status_code = 401
    default_description = "Wrong username or password."


class Login:
    def __init__(self, verify: VerifyPassword, sessions: Sessions) -> None:
        self._verify = verify
        self._sessions = sessions

    def __call__(self, username: str, password: str, client_ip: str, user_agent: str) -> StartedSession:
        return self.start(self.password(username, password, client_ip), client_ip, user_agent, PASSWORD_AMR)

    def password(self, username: str, password: str, client_ip: str) -> User:
        """The first step alone: the user whose password this is, else WrongCredentials."""
        try:
            user = self._verify(username, password, client_ip)
        except Exception:
            counters.logins("error")
            raise
        if user is None:
            counters.logins("failure")
            raise WrongCredentials()
        return user

    def start(self, user: User, client_ip: str, user_agent: str, amr: Sequence[str]) -> StartedSession:
        """The last step: a new session for a user who authenticated with `amr` (RFC 8176)."""
        try:
            started = self._sessions.create_session(user.id, client_ip, user_agent[:MAX_USER_AGENT],
                                                    list(amr))
        except Exception:
            counters.logins("error")
            raise
        counters.logins("success")
        self._verify.audit.record(AuditEvent("login.success", started.user_id, started.user_id,
                                             sid=started.sid, source=client_ip, details={"amr": list(amr)}))
        return started
