"""Issuing the tokens of one grant: the access token, and the ID token when `openid`
was granted (OIDC Core §3.1.3.3). Every grant type goes through here, so each jti of the
code and refresh grants is recorded under its grant and family for revocation (RFC 9700
§4.2.4), in the caller's transaction when it has one.

Claims come from the scope catalogue: the ID token carries those the granted scopes
release (OIDC Core §5.4: `profile`, `email`, and the operator's scopes' `claims`); an
access token with a user behind it carries the granted scopes' `access_token_claims`
(identity is asked only when some scope names one). A released claim never replaces one
the server sets (minting.PROTECTED_CLAIMS).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from authgate_common.core.scope_catalog import Catalog

from ..audiences import AudienceRule, grantable
from ..grants.base import TokenResponse
from ..ports import Client, IdentityPort
from ..resources import token_targets
from ..revocation.grant_ledger import GrantLedger
from ..revocation.jti_record import JtiRecord
from .minting import AccessTokenRequest, TokenMinter


def claim_request(catalog: Catalog, scopes: Sequence[str]) -> tuple[list[str], list[str]]:
    """What to ask identity for the ID token and userinfo: the granted scopes that release
    claims, and the names they release; both empty when there is nothing to ask."""
    releasing = [s for s in scopes if (scope := catalog.scope(s)) is not None and scope.claims]
    return releasing, catalog.claims(releasing)


@dataclass(frozen=True)
class Issue:
    subject: str
    client: Client
    scopes: Sequence[str]
    grant_id: str
    sid: str = ""
    auth_time: int | None = None
    nonce: str = ""
    amr: Sequence[str] = ()
    user_id: str = ""  # set when a user stands behind the grant (ID token, claims)
    family_id: str = ""  # the refresh-token family this access token belongs to, if any
    resources: Sequence[str] = ()  # RFC 8707: the token is for these alone (resources.py)
    dpop_jkt: str = ""  # RFC 9449: the access token is bound to this DPoP key (`cnf.jkt`)
    act: Mapping[str, Any] | None = None  # RFC 8693 §4.1: the actor (grants/token_exchange)
    id_token: bool = True  # False: the access token alone, even with openid (token exchange)
    not_after: int | None = None  # the access token ends by then at the latest (token exchange)


class TokenIssuer:
    def __init__(self, minter: TokenMinter, ledger: GrantLedger, identity: IdentityPort,
                 audiences: AudienceRule) -> None:
        self._minter = minter
        self._ledger = ledger
        self._identity = identity
        self._audiences = audiences

    def targets(self, params: Mapping[str, str], granted: Sequence[str],
                scopes: Sequence[str]) -> tuple[str, ...]:
        """The resources a token request is for (RFC 8707 §2.2, ..resources)."""
        return token_targets(self._audiences, params, granted, scopes)

    def issue(self, req: Issue, refresh_token: str | None = None,
              record: JtiRecord | None = None) -> TokenResponse:
        scopes = grantable(req.client, req.scopes, for_user=bool(req.user_id))
        req = replace(req, scopes=self._audiences.narrow(scopes, req.resources))
        catalog = self._audiences.catalog.covering(req.scopes)
        # Only when some granted scope copies a claim into access tokens: else no call at all.
        access_claims = catalog.access_token_claims(req.scopes) if req.user_id else []
        copied = self._identity.user_claims(req.user_id, [], access_claims) if access_claims else None
        access = self._minter.access_token(AccessTokenRequest(
            subject=req.subject, client_id=req.client.client_id, scopes=req.scopes,
            audiences=self._audiences.audiences(req.client, req.scopes, req.resources), sid=req.sid,
            auth_time=req.auth_time, amr=req.amr, user_claims=copied, dpop_jkt=req.dpop_jkt,
            act=req.act, not_after=req.not_after))
        if req.grant_id or req.family_id:
            self._ledger.record(access.claims["jti"], access.claims["exp"], req.grant_id, req.family_id,
                                into=record)
        id_token = None
        if "openid" in req.scopes and req.user_id and req.id_token:
            releasing, names = claim_request(catalog, req.scopes)
            claims = self._identity.user_claims(req.user_id, releasing, names) if releasing else {}
            id_token = self._minter.id_token(
                subject=req.subject, client_id=req.client.client_id, access_token=access.token,
                nonce=req.nonce, sid=req.sid, auth_time=req.auth_time, amr=req.amr,
                user_claims=claims).token
        return TokenResponse(access_token=access.token, expires_in=access.expires_in,
                             scope=" ".join(req.scopes), id_token=id_token,
                             refresh_token=refresh_token, claims=access.claims,
                             token_type="DPoP" if req.dpop_jkt else "Bearer")
