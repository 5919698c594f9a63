"""Login protection: failure counters per account and per address, with exponential
back-off into a temporary lockout (OWASP ASVS V2.2.1, NIST SP 800-63B §5.2.2).

Counters live in the shared key-value store (Redis), so every identity replica sees the
same counts. A locked account or address gets exactly the answer of a wrong password
(the caller still spends one bcrypt verification), so a lockout reveals nothing about
whether the account exists. A successful login resets the account's counter; an
operator can too (`authgate user unlock`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Counters(Protocol):
    """The part of authgate_common.kv.KeyValueStore the throttle uses."""

    def incr(self, key: str, ttl_seconds: int) -> int: ...
    def set(self, key: str, value: str, ttl_seconds: int) -> None: ...
    def delete(self, *keys: str) -> None: ...
    def exists_any(self, *keys: str) -> bool: ...


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures_per_account: int = 5
    max_failures_per_address: int = 50
    window_seconds: int = 900
    lockout_seconds: int = 60  # the first lockout; each further failure doubles it
    max_lockout_seconds: int = 3600

    def lockout_after(self, failures: int, threshold: int) -> int:
        """0 below the threshold; then 1x, 2x, 4x … the base lockout, capped."""
        if failures < threshold:
            return 0
        return min(self.lockout_seconds * 2 ** min(failures - threshold, 20), self.max_lockout_seconds)


class LoginThrottle:
    def __init__(self, counters: Counters, policy: ThrottlePolicy) -> None:
        self._kv = counters
        self._policy = policy

    def is_locked(self, account: str, address: str) -> bool:
        keys = [f"lock:ip:{address}"] if address else []
        if account:
            keys.append(f"lock:acct:{account}")
        return bool(keys) and self._kv.exists_any(*keys)

    def failed(self, account: str, address: str) -> list[tuple[str, int]]:
        """Count one failure; returns the lockouts it started as (acct|ip, seconds)."""
        p = self._policy
        started = []
        for kind, key, threshold in [("acct", account, p.max_failures_per_account),
                                     ("ip", address, p.max_failures_per_address)]:
            if not key:
                continue
            failures = self._kv.incr(f"fail:{kind}:{key}", p.window_seconds)
            lockout = p.lockout_after(failures, threshold)
            if lockout:
                self._kv.set(f"lock:{kind}:{key}", "1", lockout)
                started.append((kind, lockout))
        return started

    def succeeded(self, account: str) -> None:
        if account:
            self.unlock(account)

    def unlock(self, account: str) -> None:
        self._kv.delete(f"fail:acct:{account}", f"lock:acct:{account}")
