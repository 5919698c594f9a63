"""Pending sign-ins in the service's key-value store (Redis when REDIS_URL is set, so
every replica finds them), as small JSON records under `mfa:pending:<keyed hash>`."""

from __future__ import annotations

import json

from authgate_common.core.kv import KeyValueStore

from ..domain.mfa.pending_signin import PendingSignIn

PREFIX = "mfa:pending:"


class KvPendingStore:
    def __init__(self, kv: KeyValueStore) -> None:
        self._kv = kv

    def put(self, key: str, pending: PendingSignIn, ttl_seconds: int) -> None:
        self._kv.set(PREFIX + key, json.dumps({
            "user_id": pending.user_id, "amr": list(pending.amr), "return_to": pending.return_to,
            "purpose": pending.purpose, "sid": pending.sid}), ttl_seconds)

    def get(self, key: str) -> PendingSignIn | None:
        raw = self._kv.get(PREFIX + key)
        if raw is None:
            return None
        data = json.loads(raw)
        return PendingSignIn(user_id=data["user_id"], amr=tuple(data["amr"]), return_to=data["return_to"],
                             purpose=data["purpose"], sid=data.get("sid", ""))

    def delete(self, key: str) -> None:
        self._kv.delete(PREFIX + key)
