"""What each grant issued, and the jti deny-list (RFC 9700 §4.2.4, RFC 6749 §4.1.2).

A replayed authorization code must revoke the tokens its first redemption issued:
each access token's jti is recorded under its grant, and revoking the grant puts
every one of them on the deny-list for as long as they could still be valid.
"""

from __future__ import annotations

from authgate_common.kv import KeyValueStore


class GrantLedger:
    def __init__(self, store: KeyValueStore, access_token_ttl: int) -> None:
        self._store = store
        self._ttl = access_token_ttl

    def record(self, grant_id: str, jti: str) -> None:
        self._store.sadd(f"grant:{grant_id}", jti, self._ttl)

    def revoke_grant(self, grant_id: str) -> int:
        jtis = self._store.smembers(f"grant:{grant_id}")
        for jti in jtis:
            self.revoke_jti(jti)
        return len(jtis)

    def revoke_jti(self, jti: str) -> None:
        self._store.set(f"revoked:jti:{jti}", "1", self._ttl)

    def is_revoked(self, jti: str) -> bool:
        return self._store.exists_any(f"revoked:jti:{jti}")
