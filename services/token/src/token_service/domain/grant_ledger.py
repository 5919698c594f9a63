"""What each grant and refresh-token family issued, and the jti deny-list
(RFC 9700 §4.2.4 and §4.14.2, RFC 6749 §4.1.2, RFC 7009 §2.1).

A replayed authorization code must revoke the tokens its first redemption issued, and a
reused refresh token every access token of its family: each access token's jti is
recorded under its grant and its family, and revoking either puts every one of them on
the deny-list for as long as they could still be valid.
"""

from __future__ import annotations

from authgate_common.kv import KeyValueStore


class GrantLedger:
    def __init__(self, store: KeyValueStore, access_token_ttl: int) -> None:
        self._store = store
        self._ttl = access_token_ttl

    def record(self, grant_id: str, jti: str) -> None:
        self._store.sadd(f"grant:{grant_id}", jti, self._ttl)

    def record_family(self, family_id: str, jti: str) -> None:
        self._store.sadd(f"family:{family_id}", jti, self._ttl)

    def revoke_grant(self, grant_id: str) -> int:
        return self._revoke_all(f"grant:{grant_id}")

    def revoke_family(self, family_id: str) -> int:
        return self._revoke_all(f"family:{family_id}")

    def _revoke_all(self, key: str) -> int:
        jtis = self._store.smembers(key)
        for jti in jtis:
            self.revoke_jti(jti)
        return len(jtis)

    def revoke_jti(self, jti: str, ttl_seconds: int | None = None) -> None:
        """Deny-list one jti; `ttl_seconds` is how long the token could still be accepted."""
        ttl = self._ttl if ttl_seconds is None else max(1, ttl_seconds)
        self._store.set(f"revoked:jti:{jti}", "1", ttl)

    def is_revoked(self, jti: str) -> bool:
        return self._store.exists_any(f"revoked:jti:{jti}")
