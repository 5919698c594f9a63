"""ElevateSession: the session's user has just authenticated again with further methods
(a second factor for step-up, OIDC Core §3.1.2.1 `acr_values` / `max_age`).

`amr` becomes the union of the old and new methods (RFC 8176), `auth_time` becomes now
(OIDC Core §2: the time of the last active authentication) and the cookie value is
replaced, as OWASP's Session Management Cheat Sheet asks after any privilege change: a
value captured before the step-up must not carry the stronger session. The sid stays, so
the session's tokens and logout bindings stay.

The old value stops working at once: its presence key is dropped before the record
changes (if presence cannot be reached nothing changes and the caller hears 503, as for a
revocation), the row then swaps the hash only if it still holds the old one (two racing
elevations: one wins, the other is login_required), and the key is dropped once more in
case a concurrent validation re-cached it in between.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from authgate_common.core.audit import AuditEvent
from authgate_common.core.crypto import random_token
from authgate_common.core.errors import InvalidRequest, TemporarilyUnavailable

from .context import Deps, refresh_presence, session_invalid
from .create import MAX_AMR_VALUES, check_amr
from .model import Session
from .ports import PresenceUnavailable, Seen
from .validate import validate_session

log = logging.getLogger(__name__)


def _union(old: Sequence[str], new: Sequence[str]) -> tuple[str, ...]:
    merged = tuple(dict.fromkeys([*old, *new]))
    if len(merged) > MAX_AMR_VALUES:
        raise InvalidRequest("amr must hold at most 8 short authentication method names")
    return merged


def elevate_session(deps: Deps, token: str, amr: Sequence[str]) -> tuple[Session, str]:
    if not amr:
        raise InvalidRequest("amr must name the methods just used")
    check_amr(amr)
    current = validate_session(deps, token)
    now = deps.clock()
    new_token = random_token(32)
    elevated = replace(current, token_hash=deps.hash_token(new_token), amr=_union(current.amr, amr),
                       auth_time=now, last_seen_at=now)
    try:
        deps.presence.forget_token(current.token_hash)
    except PresenceUnavailable as exc:
        raise TemporarilyUnavailable("retry the step-up", detail="presence store unavailable") from exc
    with deps.uow() as repo:
        if not repo.elevate(elevated, current.token_hash):
            raise session_invalid()
        repo.audit.record(AuditEvent("session.elevated", current.user_id, current.user_id,
                                     sid=current.sid, source=current.client_ip,
                                     details={"amr": list(elevated.amr), "added": list(amr)}))
    try:
        deps.presence.forget_token(current.token_hash)
    except PresenceUnavailable:
        log.warning("presence store unavailable; stale key of session %s expires by itself", current.sid)
    refresh_presence(deps, elevated, Seen(at=now, persisted=now))
    return elevated, new_token
