"""CreateSession: start an SSO session for a user who has just authenticated.

The session id (`sid`, OIDC Front-Channel Logout 1.0 §3) is public; the cookie value
is a separate 256-bit secret returned once and stored only as its keyed hash. The sid is
hex so that operators can paste it anywhere, `authgate session revoke SID` included (a
base64url id starting with "-" would read as an option).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from authgate_common.core.audit import AuditEvent
from authgate_common.core.crypto import random_token
from authgate_common.core.errors import InvalidRequest

from .context import Deps, refresh_presence
from .model import Session
from .ports import Seen

MAX_USER_ID = 255
MAX_AMR_VALUES = 8
MAX_AMR_LENGTH = 32


def check_amr(amr: Sequence[str]) -> None:
    # RFC 8176 §2: amr values are short registered names such as "pwd", "otp", "mfa".
    if len(amr) > MAX_AMR_VALUES or any(not v or len(v) > MAX_AMR_LENGTH or not v.isprintable()
                                        for v in amr):
        raise InvalidRequest("amr must hold at most 8 short authentication method names")


def _check(user_id: str, amr: Sequence[str]) -> None:
    if not user_id or len(user_id) > MAX_USER_ID:
        raise InvalidRequest("user_id is required (at most 255 characters)")
    check_amr(amr)


def create_session(deps: Deps, user_id: str, client_ip: str, user_agent: str,
                   amr: Sequence[str]) -> tuple[Session, str]:
    _check(user_id, amr)
    now = deps.clock()
    token = random_token(32)
    session = Session(
        sid=secrets.token_hex(16), token_hash=deps.hash_token(token), user_id=user_id,
        client_ip=client_ip[:64], user_agent=user_agent[:512], amr=tuple(amr),
        created_at=now, auth_time=now, expires_at=now + deps.policy.lifetime, last_seen_at=now)
    with deps.uow() as repo:
        repo.add(session)
        repo.audit.record(AuditEvent("session.created", user_id, user_id, sid=session.sid,
                                     source=session.client_ip, details={"amr": list(amr)}))
    refresh_presence(deps, session, Seen(at=now, persisted=now))
    return session, token
