"""The UserInfo endpoint (OIDC Core §5.3): the claims of the user behind an access token.

The token must carry `openid`; the answer holds sub, scope and iss, plus the profile
and email claims the granted scopes allow (OIDC Core §5.4), fetched from identity.
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
        verified = self._validator.validate(token, required_scopes=["openid"])
        scopes = str(verified.get("scope", "")).split()
        wanted = [s for s in scopes if s in CLAIM_SCOPES]
        try:
            user = self._identity.user_claims(verified["sub"], wanted) if wanted else {}
        except NotFound as exc:
            raise InvalidToken("The user behind the access token no longer exists.") from exc
        body = {k: v for k, v in user.items() if k not in PROTECTED_CLAIMS}
        body.update({"sub": verified["sub"], "scope": " ".join(scopes), "iss": verified["iss"]})
        return body
