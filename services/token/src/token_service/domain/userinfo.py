"""The UserInfo endpoint (OIDC Core §5.3): the claims of the user behind an access token.

Any live access token of ours is accepted, `openid` or not: the seed API promised
`sub`, `scope` and `iss` to plain OAuth clients (scope "read write") too. The answer
adds the profile and email claims the granted scopes allow (OIDC Core §5.4), fetched
from identity.
"""

from __future__ import annotations

from typing import Any

from authgate_common.errors import InvalidToken, NotFound

from .issuance import CLAIM_SCOPES
from .minting import PROTECTED_CLAIMS
from .ports import IdentityPort
from .validation import TokenValidator


class UserInfo:
    def __init__(self, validator: TokenValidator, identity: IdentityPort) -> None:
        self._validator = validator
        self._identity = identity

    def claims(self, token: str) -> dict[str, Any]:
        verified = self._validator.validate(token)
        scopes = str(verified.get("scope", "")).split()
        wanted = [s for s in scopes if s in CLAIM_SCOPES]
        try:
            user = self._identity.user_claims(verified["sub"], wanted) if wanted else {}
        except NotFound as exc:
            raise InvalidToken("The user behind the access token no longer exists.") from exc
        body = {k: v for k, v in user.items() if k not in PROTECTED_CLAIMS}
        body.update({"sub": verified["sub"], "scope": " ".join(scopes), "iss": verified["iss"]})
        return body
