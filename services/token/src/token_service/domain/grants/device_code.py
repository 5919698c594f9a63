"""The device code grant at the token endpoint (RFC 8628 §3.4-3.5).

The authorization service answers each poll: authorization_pending, slow_down (the
interval grew by 5 seconds), expired_token or access_denied pass through unchanged as
the §3.5 error responses; once the person approved, the grant, exactly once. Tokens are
then issued as the authorization code grant issues them: an ID token when `openid` was
granted (no nonce: there was no authorization request), a refresh token when the client
is registered for that grant; bound to a DPoP key as the code grant binds them (RFC 9449 §5).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from ..endpoints.device_authorization import DEVICE_CODE_GRANT
from ..ports import Client, RedeemedGrant
from ..refresh.refresh_tokens import FamilyStart, RefreshTokens, bound_family_jkt
from ..tokens.issuance import Issue, TokenIssuer
from .base import TokenRequest, TokenResponse


class DevicePolls(Protocol):
    """AuthorizationService.PollDeviceAuthorization (adapters/authorization_client.py)."""

    def poll_device(self, client_id: str, device_code: str) -> RedeemedGrant: ...


class DeviceCodeGrant:
    grant_type = DEVICE_CODE_GRANT

    def __init__(self, devices: DevicePolls, issuer: TokenIssuer, refresh: RefreshTokens) -> None:
        self._devices, self._issuer, self._refresh = devices, issuer, refresh

    def handle(self, request: TokenRequest, client: Client) -> TokenResponse:
        grant = self._devices.poll_device(client.client_id, request.require("device_code"))
        # RFC 8707 as at the code grant: a `resource` here must be among the grant's.
        resources = self._issuer.targets(request.params, grant.resources, grant.scopes)
        issue = Issue(subject=grant.user_id, user_id=grant.user_id, client=client, scopes=grant.scopes,
                      grant_id=grant.grant_id, sid=grant.sid, auth_time=grant.auth_time,
                      nonce="", amr=grant.amr, resources=resources, dpop_jkt=request.dpop_jkt)
        if "refresh_token" not in client.grant_types:
            return self._issuer.issue(issue)
        with self._refresh.transaction() as repo:
            raw, token = self._refresh.start_family(repo, FamilyStart(
                client_id=client.client_id, user_id=grant.user_id, sid=grant.sid,
                grant_id=grant.grant_id, scopes=grant.scopes, auth_time=grant.auth_time, amr=grant.amr,
                resources=grant.resources or issue.resources,
                dpop_jkt=bound_family_jkt(client.is_public, request.dpop_jkt)))
            return self._issuer.issue(replace(issue, family_id=token.family_id), refresh_token=raw,
                                      record=repo.jtis)
