"""The UserInfo endpoint (OIDC Core §5.3): the claims of the user behind an access token.

Only a token from an OpenID request reaches it (§5.3: "obtained through OpenID Connect
Authentication"). A token with no user behind it (client_credentials: the subject is the
client itself) is `invalid_token` here, 401; a user's token granted without `openid` is
`insufficient_scope`, 403, with `scope="openid"` in the challenge (RFC 6750 §3.1). The
answer is `sub`, `scope` and `iss`, plus the claims the granted scopes release (OIDC
Core §5.4: profile and email, and what the operator's scopes name in the catalogue),
fetched from identity. A DPoP-bound token is accepted only with a proof of its key for this
request (RFC 9449 §7; the URL is the public one, ISSUER + the path).
"""

from __future__ import annotations

from typing import Any

from authgate_common.core.errors import InsufficientScope, InvalidToken, NotFound

from ..dpop import Presentation
from ..ports import IdentityPort
from ..scopes import CatalogSource, FixedCatalog
from ..tokens.issuance import claim_request
from ..tokens.minting import PROTECTED_CLAIMS
from ..tokens.validation import TokenValidator

OPENID = "openid"


class UserInfo:
    def __init__(self, validator: TokenValidator, identity: IdentityPort,
                 catalog: CatalogSource | None = None) -> None:
        self._validator = validator
        self._identity = identity
        self._catalog = catalog or FixedCatalog()

    def claims(self, token: str, presented: Presentation | None = None) -> dict[str, Any]:
        """`presented`: the scheme, DPoP proof, method and URL of the request (RFC 9449 §7);
        None: Bearer without a proof."""
        # Validity first: an expired or revoked token is invalid_token whatever its scope.
        verified = self._validator.validate(token, presented=presented)
        if verified["sub"] == verified["client_id"]:
            # The client_credentials grant names the client as the subject (RFC 6749 §4.4).
            raise InvalidToken("The access token has no user behind it.")
        scopes = str(verified.get("scope", "")).split()
        if OPENID not in scopes:
            raise InsufficientScope("UserInfo needs a token granted the openid scope.",
                                    metadata={"scope": OPENID})
        # covering: a scope defined a moment ago may be known to the replica that minted the
        # token and not yet to this one (the poll is 1 s): read the catalogue at once then.
        releasing, names = claim_request(self._catalog.covering(scopes), scopes)
        try:
            user = self._identity.user_claims(verified["sub"], releasing, names) if releasing else {}
        except NotFound as exc:
            raise InvalidToken("The user behind the access token no longer exists.") from exc
        body = {k: v for k, v in user.items() if k not in PROTECTED_CLAIMS}
        body.update({"sub": verified["sub"], "scope": " ".join(scopes), "iss": verified["iss"]})
        return body
