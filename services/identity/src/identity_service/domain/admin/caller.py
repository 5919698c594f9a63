"""Who calls the admin API: a client holding a bearer token for it (RFC 6750).

The token service validates the token (signature, expiry, revocation); here it must
carry the scope of the part called (`admin:users`) and name the admin API in its `aud`
(RFC 9068 §4; authgate_common.core.admin_scope). No token gets the bare challenge
(RFC 6750 §3.1), a bad one `invalid_token` (401), one without the scope or meant for
another audience `insufficient_scope` (403). The client it was issued to is the actor of
every change it makes.
"""

from __future__ import annotations

from dataclasses import dataclass

from authgate_common.core.access_tokens import TokenValidator
from authgate_common.core.errors import InsufficientScope, InvalidToken

from ..acting import Acting, by_admin_client

USERS_SCOPE = "admin:users"
NO_TOKEN = {"no_token": "1"}


@dataclass(frozen=True)
class AdminCaller:
    client_id: str

    @property
    def acting(self) -> Acting:
        return by_admin_client(self.client_id)


def admin_caller(tokens: TokenValidator, token: str | None, *, audience: str, scope: str) -> AdminCaller:
    if token is None:
        raise InvalidToken("Send an access token for the admin API.", metadata=NO_TOKEN)
    info = tokens.validate(token)
    if not info.client_id:
        raise InvalidToken("The access token names no client.")
    if scope not in info.scopes or audience not in info.audiences:
        raise InsufficientScope(f"This needs an access token for the admin API with the {scope} scope.",
                                metadata={"scope": scope})
    return AdminCaller(info.client_id)
