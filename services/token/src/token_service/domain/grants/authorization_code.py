"""The authorization code grant at the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.5-4.6).

The authorization service redeems the code exactly once and checks client, redirect_uri
and PKCE. A code presented twice comes back as invalid_grant naming the grant it stood
for; every access token that grant issued is then deny-listed and the refresh family it
started revoked (RFC 6749 §4.1.2, RFC 9700 §4.2.4) before the error is returned.

A client registered for the refresh_token grant also gets a refresh token (RFC 6749
§4.1.4), starting a new family; `offline_access` is not required. `resource` (RFC 8707
§2.2) must be among the code's resources; the family keeps them (..resources). With a
DPoP proof (RFC 9449 §5) the access token is bound to its key, and so is a public client's
refresh family.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from authgate_common.core.errors import REPLAYED_GRANT_KEY, InvalidGrant

from ..ports import Client, CodeRedeemer, RedeemedGrant
from ..refresh.refresh_tokens import FamilyStart, RefreshTokens, bound_family_jkt
from ..revocation.grant_ledger import GrantLedger
from ..tokens.issuance import Issue, TokenIssuer
from .base import TokenRequest, TokenResponse

log = logging.getLogger(__name__)


class AuthorizationCodeGrant:
    grant_type = "authorization_code"

    def __init__(self, codes: CodeRedeemer, issuer: TokenIssuer, ledger: GrantLedger,
                 refresh: RefreshTokens) -> None:
        self._codes = codes
        self._issuer = issuer
        self._ledger = ledger
        self._refresh = refresh

    def handle(self, request: TokenRequest, client: Client) -> TokenResponse:
        code = request.require("code")
        redirect_uri = request.require("redirect_uri")
        verifier = request.params.get("code_verifier", "")
        try:
            grant = self._codes.redeem_code(code, client.client_id, redirect_uri, verifier)
        except InvalidGrant as err:
            grant_id = err.metadata.get(REPLAYED_GRANT_KEY)
            if grant_id:
                revoked = self._ledger.revoke_grant(grant_id)
                families = self._refresh.revoke_grant(grant_id)
                log.warning("authorization code replayed: revoked %d token(s) and %d refresh "
                            "famil(ies) of its grant", revoked, families)
            raise
        if grant.client_id and grant.client_id != client.client_id:
            raise InvalidGrant(detail="code redeemed for another client")
        resources = self._issuer.targets(request.params, grant.resources, grant.scopes)
        issue = Issue(subject=grant.user_id, user_id=grant.user_id, client=client, scopes=grant.scopes,
                      grant_id=grant.grant_id, sid=grant.sid, auth_time=grant.auth_time,
                      nonce=grant.nonce, amr=grant.amr, resources=resources, dpop_jkt=request.dpop_jkt)
        if "refresh_token" not in client.grant_types:
            return self._issuer.issue(issue)
        return self._with_refresh_token(issue, grant)

    def _with_refresh_token(self, issue: Issue, grant: RedeemedGrant) -> TokenResponse:
        with self._refresh.transaction() as repo:
            raw, token = self._refresh.start_family(repo, FamilyStart(
                client_id=issue.client.client_id, user_id=grant.user_id, sid=grant.sid,
                grant_id=grant.grant_id, scopes=grant.scopes, auth_time=grant.auth_time,
                amr=grant.amr, resources=grant.resources or issue.resources,
                dpop_jkt=bound_family_jkt(issue.client.is_public, issue.dpop_jkt)))
            return self._issuer.issue(replace(issue, family_id=token.family_id), refresh_token=raw,
                                      record=repo.jtis)
