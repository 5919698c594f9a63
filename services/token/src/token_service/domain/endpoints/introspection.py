"""Token introspection (RFC 7662).

The caller authenticates as a client (§2.1; 401 otherwise). A live token is described
(§2.2); anything else is exactly `{"active": false}` with no hint why (§2.2, §4):
expired, revoked, issued for a session that has ended, malformed, unknown, or foreign.
Foreign means another client's token: an access token is shown to the client it was
issued to and to a client named in its `aud` (the resource server it is meant for);
a refresh token only to its own client. Access tokens go through the same validator as
ValidateToken, so both always agree. A user's access token is described with how the user
signed in, `acr` and `amr` (§2.2 allows further members; the names of OIDC Core §2).
A DPoP-bound token is described whatever the caller presents (no proof is needed to ask),
with `token_type` "DPoP" and `cnf.jkt` (RFC 9449 §6.2): the resource server checks the
proof it received against that key.
"""

from __future__ import annotations

from typing import Any

from authgate_common.core.errors import InvalidRequest, InvalidToken

from ..clients.authentication import ClientRequest, authenticate_request
from ..dpop import bound_jkt
from ..ports import Client, ClientAuthenticator, SessionLiveness
from ..refresh.refresh_tokens import RefreshTokens
from ..tokens.minting import authentication_claims
from ..tokens.validation import TokenValidator
from .revocation import looks_like_jwt


def inactive() -> dict[str, Any]:
    return {"active": False}


class Introspection:
    def __init__(self, clients: ClientAuthenticator, validator: TokenValidator,
                 refresh: RefreshTokens, sessions: SessionLiveness, issuer: str) -> None:
        self._clients = clients
        self._validator = validator
        self._refresh = refresh
        self._sessions = sessions
        self._issuer = issuer.rstrip("/")

    def handle(self, request: ClientRequest) -> dict[str, Any]:
        client = authenticate_request(self._clients, request)
        token = request.params.get("token")
        if not token:
            raise InvalidRequest("The token parameter is required.")
        if looks_like_jwt(token):
            return self._access_token(token, client)
        return self._refresh_token(token, client)

    def _access_token(self, token: str, client: Client) -> dict[str, Any]:
        try:
            claims = self._validator.live_claims(token)
        except InvalidToken:
            return inactive()
        aud = claims.get("aud")
        auds = [aud] if isinstance(aud, str) else [str(a) for a in aud] if isinstance(aud, list) else []
        if client.client_id != claims["client_id"] and client.client_id not in auds:
            return inactive()
        jkt = bound_jkt(claims)
        body = {"active": True, "token_type": "DPoP" if jkt else "access_token",
                "scope": claims.get("scope", ""),
                "client_id": claims["client_id"], "sub": claims["sub"], "exp": claims["exp"],
                "iat": claims["iat"], "aud": auds, "iss": claims["iss"], "jti": claims["jti"]}
        if jkt:  # RFC 9449 §6.2: the resource server checks the proof against it
            body["cnf"] = {"jkt": jkt}
        if claims.get("sid"):
            body["sid"] = claims["sid"]
        for name in ("auth_time", "acr", "amr", "act"):  # act: RFC 8693 §4.1 (token exchange)
            if name in claims:
                body[name] = claims[name]
        return body

    def _refresh_token(self, token: str, client: Client) -> dict[str, Any]:
        found = self._refresh.find(token)
        if found is None:
            return inactive()
        record, family = found
        if (record.client_id != client.client_id or not record.is_live(self._refresh.now())
                or family.revoked_at is not None):
            return inactive()
        if record.sid and not self._sessions.is_alive(record.sid):
            return inactive()
        body: dict[str, Any] = {
            "active": True, "token_type": "refresh_token", "scope": " ".join(record.scopes),
            "client_id": record.client_id, "sub": record.user_id,
            "exp": int(record.expires_at.timestamp()), "iat": int(record.created_at.timestamp()),
            "iss": self._issuer}
        if record.sid:
            body["sid"] = record.sid
        if family.auth_time is not None:
            body["auth_time"] = family.auth_time
        if family.dpop_jkt:  # a public client's family bound to a DPoP key (RFC 9449 §5)
            body["cnf"] = {"jkt": family.dpop_jkt}
        return body | authentication_claims(family.amr)
