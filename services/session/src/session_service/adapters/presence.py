"""Session presence in the key-value store (Redis, or in-process for the embedded default).

Keys, under REDIS_KEY_PREFIX + "session:":
  tok:<token_hash>  JSON of the session, TTL = min(idle timeout, time to absolute expiry)
  sid:<sid>         the token hash (liveness by sid), same TTL
  seen:<sid>        last use and the value last written to the record, same TTL
  revoked:<sid>     "1" until the session's absolute expiry; wins over every other key
Nothing here is authoritative: a missing key sends the caller to the record.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import redis
from authgate_common.core.kv import KeyValueStore

from ..domain.model import Session
from ..domain.ports import PresenceUnavailable, Seen

T = TypeVar("T")


def _dump(s: Session) -> str:
    return json.dumps({
        "sid": s.sid, "user_id": s.user_id, "auth_time": s.auth_time.isoformat(),
        "expires_at": s.expires_at.isoformat(), "amr": list(s.amr),
        "created_at": s.created_at.isoformat(), "client_ip": s.client_ip, "user_agent": s.user_agent,
    }, separators=(",", ":"))


def _load(token_hash: str, raw: str, seen: Seen) -> Session:
    d: dict[str, Any] = json.loads(raw)
    return Session(
        sid=d["sid"], token_hash=token_hash, user_id=d["user_id"], client_ip=d["client_ip"],
        user_agent=d["user_agent"], amr=tuple(d["amr"]),
        created_at=datetime.fromisoformat(d["created_at"]),
        auth_time=datetime.fromisoformat(d["auth_time"]),
        expires_at=datetime.fromisoformat(d["expires_at"]), last_seen_at=seen.at)


class KvPresence:
    def __init__(self, store: KeyValueStore) -> None:
        self._kv = store

    def _guard(self, op: Callable[[], T]) -> T:
        try:
            return op()
        except (redis.RedisError, OSError) as exc:
            raise PresenceUnavailable(str(exc)) from exc

    def put(self, session: Session, seen: Seen, ttl_seconds: int) -> None:
        def write() -> None:
            self._kv.set(f"tok:{session.token_hash}", _dump(session), ttl_seconds)
            self._kv.set(f"sid:{session.sid}", session.token_hash, ttl_seconds)
            self._kv.set(f"seen:{session.sid}", json.dumps(
                {"at": seen.at.isoformat(), "persisted": seen.persisted.isoformat()}), ttl_seconds)
        self._guard(write)

    def _seen(self, sid: str) -> Seen | None:
        raw = self._kv.get(f"seen:{sid}")
        if raw is None:
            return None
        d = json.loads(raw)
        return Seen(at=datetime.fromisoformat(d["at"]), persisted=datetime.fromisoformat(d["persisted"]))

    def _by_token(self, token_hash: str) -> tuple[Session, Seen] | None:
        raw = self._kv.get(f"tok:{token_hash}")
        if raw is None:
            return None
        sid = json.loads(raw)["sid"]
        seen = self._seen(sid)
        # Without its last use the idle window cannot be checked here: let the record decide.
        return (_load(token_hash, raw, seen), seen) if seen is not None else None

    def by_token(self, token_hash: str) -> tuple[Session, Seen] | None:
        return self._guard(lambda: self._by_token(token_hash))

    def by_sid(self, sid: str) -> tuple[Session, Seen] | None:
        def read() -> tuple[Session, Seen] | None:
            token_hash = self._kv.get(f"sid:{sid}")
            hit = self._by_token(token_hash) if token_hash else None
            return hit if hit is not None and hit[0].sid == sid else None
        return self._guard(read)

    def seen(self, sid: str) -> Seen | None:
        return self._guard(lambda: self._seen(sid))

    def is_revoked(self, sid: str) -> bool:
        return self._guard(lambda: self._kv.exists_any(f"revoked:{sid}"))

    def revoke(self, sid: str, token_hash: str, ttl_seconds: int) -> None:
        def write() -> None:
            # The marker first: from here on no stale key can make the session look alive.
            self._kv.set(f"revoked:{sid}", "1", ttl_seconds)
            self._kv.delete(f"tok:{token_hash}", f"sid:{sid}", f"seen:{sid}")
        self._guard(write)

    def forget_token(self, token_hash: str) -> None:
        self._guard(lambda: self._kv.delete(f"tok:{token_hash}"))
