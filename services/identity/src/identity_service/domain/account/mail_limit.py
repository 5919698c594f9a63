"""How often the account flows may send mail: per client address and per account.

Each request that would send a mail counts once against the address it came from and once
against the account it names (the typed email address, or the signed-in user), in the
login throttle's shared counters (Redis, domain/throttle.py's Counters) under keys of
their own, so every replica sees the same counts. Past the address's limit the request is
refused (429); past the account's, no mail goes out but the answer stays the same, so a
limit says nothing about whether an address is registered (OWASP Forgot Password Cheat
Sheet; mail bombing). The gateway's per-address `login` limit applies in front as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from authgate_common.core.errors import TooManyRequests

from ..throttle import Counters


@dataclass(frozen=True)
class MailLimitPolicy:
    per_account: int = 5
    per_address: int = 30
    window_seconds: int = 3600


class MailLimit:
    def __init__(self, counters: Counters, policy: MailLimitPolicy) -> None:
        self._kv = counters
        self._policy = policy

    def allow(self, account: str, address: str) -> bool:
        """Count one mail request: TooManyRequests past the address's limit; False (send
        nothing, answer as usual) past the account's."""
        p = self._policy
        if address and self._kv.incr(f"mail:ip:{address}", p.window_seconds) > p.per_address:
            raise TooManyRequests("Too many requests from your address; try again later.")
        return not account or self._kv.incr(f"mail:acct:{account}", p.window_seconds) <= p.per_account
