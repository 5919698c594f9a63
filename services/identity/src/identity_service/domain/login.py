"""Password login: verify, then start a brand-new SSO session in the session service.

A login never adopts a session id the browser already holds (session fixation, OWASP
Session Management Cheat Sheet "Renew the Session ID After Any Privilege Level Change"),
and every failure — unknown user, wrong password, disabled user — reads the same.
Each attempt is counted in `logins_total{result}`: success, failure (wrong credentials)
or error (the directory or the session service could not answer). A success is
audited with the new session's sid (failures are, by VerifyPassword).
"""

from __future__ import annotations

from authgate_common.core import counters
from authgate_common.core.audit import AuditEvent
from authgate_common.core.errors import AccessDenied

from .ports import Sessions, StartedSession
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
        try:
            user = self._verify(username, password, client_ip)
            if user is None:
                raise WrongCredentials()
            started = self._sessions.create_session(user.id, client_ip, user_agent[:MAX_USER_AGENT],
                                                    list(PASSWORD_AMR))
        except WrongCredentials:
            counters.logins("failure")
            raise
        except Exception:
            counters.logins("error")
            raise
        counters.logins("success")
        self._verify.audit.record(AuditEvent("login.success", started.user_id, started.user_id,
                                             sid=started.sid, source=client_ip,
                                             details={"amr": list(PASSWORD_AMR)}))
        return started
