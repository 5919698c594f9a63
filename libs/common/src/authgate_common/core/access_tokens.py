"""A bearer access token as the token service vouches for it, and the port that asks.

Services other than the token service hold no signing keys: they ask
TokenService/ValidateToken (signature, expiry, audience rules, revocation) and then apply
their own rule on what comes back (the account API: scope `account` and its audience;
the admin API: an admin scope and the admin audience). The gRPC adapter is
authgate_common.token_client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class TokenInfo:
    sub: str
    sid: str = ""  # the user session it is bound to; none for client_credentials
    scopes: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    client_id: str = ""


class TokenValidator(Protocol):
    """TokenService/ValidateToken. Raises InvalidToken, InsufficientScope (a required scope
    is missing) or TemporarilyUnavailable."""

    def validate(self, token: str, required_scopes: Sequence[str] = ()) -> TokenInfo: ...
