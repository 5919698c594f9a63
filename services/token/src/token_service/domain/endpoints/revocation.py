"""Token revocation (RFC 7009).

The caller authenticates as a client (§2.1). Refresh tokens revoke their whole family
and the access tokens it issued (§2.1: "SHOULD also invalidate all access tokens based
on the same authorization grant"); access tokens are deny-listed by `jti` for as long as
they could still be accepted. The answer is 200 whatever the token was (§2.2): unknown,
malformed, already expired, or another client's, which is never revoked. The hint is
not needed: our refresh tokens are opaque and dot-free, our access tokens are JWS.
Each revocation is audited: `token.revoked` (by jti) or `token.refresh_revoked` (family).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from authgate_common.core import counters
from authgate_common.core.audit import AuditEvent, AuditTrail, MemoryAuditTrail, client_actor
from authgate_common.core.errors import InvalidRequest, InvalidToken

from ..clients.authentication import ClientRequest, authenticate_request
from ..ports import Client, ClientAuthenticator
from ..refresh.refresh_store import refresh_event
from ..refresh.refresh_tokens import MAX_REFRESH_TOKEN_CHARS, RefreshTokens
from ..revocation.grant_ledger import GrantLedger
from ..tokens.validation import TokenValidator

log = logging.getLogger(__name__)


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


class Revocation:
    def __init__(self, clients: ClientAuthenticator, validator: TokenValidator, ledger: GrantLedger,
                 refresh: RefreshTokens, clock_skew: int = 30,
                 clock: Callable[[], float] = time.time, audit: AuditTrail | None = None) -> None:
        self._clients = clients
        self._validator = validator
        self._ledger = ledger
        self._refresh = refresh
        self._skew = clock_skew
        self._clock = clock
        self._audit = audit or MemoryAuditTrail()

    def handle(self, request: ClientRequest) -> None:
        client = authenticate_request(self._clients, request)
        token = request.params.get("token")
        if not token:
            raise InvalidRequest("The token parameter is required.")
        if looks_like_jwt(token):
            self._revoke_access_token(token, client)
        elif len(token) <= MAX_REFRESH_TOKEN_CHARS:
            self._revoke_refresh_token(token, client)

    def _revoke_access_token(self, token: str, client: Client) -> None:
        try:
            claims = self._validator.signed_claims(token)
        except InvalidToken:
            return  # not ours: nothing to revoke
        jti, exp = claims.get("jti"), claims.get("exp")
        if claims.get("client_id") != client.client_id or not isinstance(jti, str) or not jti:
            return
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            return
        remaining = int(exp - self._clock()) + self._skew + 1
        if remaining > 0:
            self._ledger.revoke_jti(jti, remaining)
            self._audit.record(_access_revoked(claims, client.client_id, jti))
            counters.revocations("access_token")

    def _revoke_refresh_token(self, token: str, client: Client) -> None:
        with self._refresh.transaction() as repo:
            found = repo.get_token(self._refresh.hash(token))
            if found is None or found.client_id != client.client_id:
                return
            self._refresh.revoke_family(repo, found.family_id, "revoked_by_client", refresh_event(
                "refresh_revoked", client_id=found.client_id, user_id=found.user_id, sid=found.sid,
                family_id=found.family_id))
        counters.revocations("refresh_token")
        log.info("refresh family %s revoked by its client", found.family_id)


def _access_revoked(claims: dict[str, Any], client_id: str, jti: str) -> AuditEvent:
    sid = str(claims.get("sid", ""))
    user = str(claims.get("sub", "")) if sid else ""  # a client's own token speaks for no user
    return AuditEvent("token.revoked", user, client_actor(client_id), client_id, sid,
                      details={"kind": "access", "jti": jti})
