"""Proof that the user signed in after an authorization request asked for it
(OIDC Core §3.1.2.1 `prompt=login`, `max_age`; §3.1.2.3).

When a fresh login is needed, the browser goes to the login page with a return_to that
carries a signed marker: when the request was made, for which client, and a tag of the
session the user had then. On the way back the marker proves the login is fresh if the
session is a different one (every login starts a new session) that authenticated no
earlier than the request. Without the marker the request would ask for a login again,
forever. The marker is short-lived and useless for any other client.
"""

from __future__ import annotations

from datetime import datetime

from authgate_common.core.crypto import keyed_hash

from ..models import SessionInfo
from ..signed import Signer

MARKER_PARAM = "login_marker"


class LoginMarkers:
    def __init__(self, key: bytes, ttl_seconds: int) -> None:
        self._key = key
        self._signer = Signer(key)
        self._ttl = ttl_seconds

    def _tag(self, sid: str) -> str:
        return keyed_hash(self._key, "sid:" + sid)[:16] if sid else ""

    def make(self, client_id: str, prior: SessionInfo | None, now: datetime) -> str:
        return self._signer.sign({"c": client_id, "t": int(now.timestamp()),
                                  "s": self._tag(prior.sid if prior else "")})

    def proves_fresh(self, marker: str, client_id: str, session: SessionInfo, now: datetime) -> bool:
        data = self._signer.verify(marker)
        if data is None or data.get("c") != client_id or not isinstance(data.get("t"), int):
            return False
        requested_at: int = data["t"]
        # Slack backwards of 30 s: the replica that made the marker may run a little ahead.
        if not -30 <= now.timestamp() - requested_at <= self._ttl or session.auth_time is None:
            return False
        # auth_time has whole seconds, so a login in the same second as the request counts.
        return (data.get("s") != self._tag(session.sid)
                and int(session.auth_time.timestamp()) >= requested_at)
