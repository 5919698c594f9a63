"""OAuth 2.0 Token Exchange (RFC 8693): a client trades a user's access token for one of its own.

The subject token (§2.1) is one of our access tokens (token type
urn:ietf:params:oauth:token-type:access_token), live as the validator sees it (signature,
expiry, revocation, its session still on) and meant for the requesting client: its `aud`
names one of the client's token_exchange_subject_audiences (none registered: the client's
own id). A user's session must stand behind it. Anything wrong with it is `invalid_request`
(§2.2.2). How the subject token was presented to the client is not asked again: a DPoP-bound
token (RFC 9449) is exchanged by the resource it was meant for, which has no key of its own
to prove it with.

The operator's policy decides what the client may do, else `unauthorized_client` (RFC 6749
§5.2): without an actor_token it needs token_exchange_impersonation; with one (a live
access token of ours too) token_exchange_delegation, and the token carries
`act: {sub, client_id}` of the actor, with the subject token's own `act` nested inside
(§4.1: the most recent actor outermost). Impersonation keeps the subject token's `act`, so a
delegated token never turns into a plain one.

The issued token names the same user (`sub`, `sid`, `auth_time`, `amr`/`acr`), so ending
that session ends it, and it expires no later than the subject token. It is an access token
only (no refresh or ID token; requested_token_type may only ask for one), for the requesting
client (`client_id`), with scopes within both the subject token's and the client's
(`invalid_scope` beyond them; none asked: their intersection). `resource` and `audience`
(§2.1, RFC 8707) name the APIs it is for, as at the other grants (`invalid_target`). A DPoP
proof at /token binds it (token_type DPoP).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from authgate_common.core.errors import InvalidRequest, InvalidScope, InvalidToken, UnauthorizedClient
from authgate_common.core.resource_indicators import REPEAT_SEPARATOR, RESOURCE, split_repeated

from ..ports import Client
from ..scopes import parse_scope
from ..tokens.issuance import Issue, TokenIssuer
from ..tokens.validation import TokenValidator
from .base import TokenRequest, TokenResponse

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
AUDIENCE = "audience"
# Actors nested in `act` at most (each exchange of a delegated token adds one).
MAX_ACTORS = 5


def _audiences(claims: Mapping[str, Any]) -> set[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return {aud}
    return {a for a in aud if isinstance(a, str)} if isinstance(aud, list) else set()


def _actor(claims: Mapping[str, Any], prior: Any) -> dict[str, Any]:
    """The `act` claim for the actor these claims describe, `prior` (an `act`) nested."""
    act: dict[str, Any] = {"sub": claims["sub"], "client_id": claims["client_id"]}
    if isinstance(prior, Mapping) and prior:
        act["act"] = _copied(prior, MAX_ACTORS - 1)
    return act


def _copied(act: Mapping[str, Any], depth: int) -> dict[str, Any]:
    """A token's `act` (one we signed), only its identity claims, no deeper than MAX_ACTORS."""
    if depth <= 0:
        raise InvalidRequest("The subject token's delegation chain is too long.")
    out = {k: act[k] for k in ("sub", "client_id") if isinstance(act.get(k), str)}
    if isinstance(act.get("act"), Mapping) and act["act"]:
        out["act"] = _copied(act["act"], depth - 1)
    return out


class TokenExchangeGrant:
    grant_type = GRANT_TYPE

    def __init__(self, validator: TokenValidator, issuer: TokenIssuer) -> None:
        self._validator = validator
        self._issuer = issuer

    def handle(self, request: TokenRequest, client: Client) -> TokenResponse:
        params = request.params
        subject_token = request.require("subject_token")
        if request.require("subject_token_type") != ACCESS_TOKEN_TYPE:
            raise InvalidRequest(f"Only subject_token_type {ACCESS_TOKEN_TYPE} is supported.")
        if params.get("requested_token_type", ACCESS_TOKEN_TYPE) != ACCESS_TOKEN_TYPE:
            raise InvalidRequest(f"Only requested_token_type {ACCESS_TOKEN_TYPE} can be issued.")
        actor_token = params.get("actor_token")
        if actor_token and params.get("actor_token_type") != ACCESS_TOKEN_TYPE:
            raise InvalidRequest(f"actor_token needs actor_token_type {ACCESS_TOKEN_TYPE}.")
        if not actor_token and params.get("actor_token_type"):
            raise InvalidRequest("actor_token_type goes only with an actor_token.")
        self._check_policy(client, delegation=bool(actor_token))
        subject = self._live("subject", subject_token)
        if not subject.get("sid"):
            raise InvalidRequest("The subject token has no user session behind it.")
        wanted = client.token_exchange_subject_audiences or (client.client_id,)
        if not set(wanted) & _audiences(subject):
            raise InvalidRequest("The subject token is not meant for this client.")
        if actor_token:
            act: Any = _actor(self._live("actor", actor_token), subject.get("act"))
        else:
            act = _copied(subject["act"], MAX_ACTORS) if isinstance(subject.get("act"), Mapping) else None
        scopes = _scopes(client, str(subject.get("scope", "")).split(), parse_scope(params.get("scope")))
        targets = split_repeated(params.get(RESOURCE)) + split_repeated(params.get(AUDIENCE))
        resources = self._issuer.targets({RESOURCE: REPEAT_SEPARATOR.join(targets)}, (), scopes)
        amr = subject.get("amr")
        auth_time = subject.get("auth_time")
        response = self._issuer.issue(Issue(
            subject=subject["sub"], client=client, scopes=scopes, grant_id="", sid=str(subject["sid"]),
            auth_time=auth_time if isinstance(auth_time, int) else None,
            amr=tuple(m for m in amr if isinstance(m, str)) if isinstance(amr, list) else (),
            user_id=subject["sub"], resources=resources, dpop_jkt=request.dpop_jkt, act=act or None,
            id_token=False, not_after=int(subject["exp"])))
        details: dict[str, Any] = {"subject_client": subject["client_id"]}
        if actor_token:
            details |= {"actor": act["sub"], "actor_client": act["client_id"]}
        return _with(response, details)

    @staticmethod
    def _check_policy(client: Client, *, delegation: bool) -> None:
        if client.is_public:
            raise UnauthorizedClient("Public clients cannot exchange tokens.")
        if delegation and not client.token_exchange_delegation:
            raise UnauthorizedClient("This client may not exchange tokens with an actor_token (delegation).")
        if not delegation and not client.token_exchange_impersonation:
            raise UnauthorizedClient("This client may not exchange tokens without an actor_token "
                                     "(impersonation).")

    def _live(self, which: str, token: str) -> dict[str, Any]:
        try:
            return self._validator.live_claims(token)
        except InvalidToken as err:
            raise InvalidRequest(f"The {which}_token is invalid, expired or revoked.") from err


def _scopes(client: Client, held: list[str], requested: list[str] | None) -> list[str]:
    """Within the subject token's scopes and the client's; none asked: both's common ones."""
    allowed = [s for s in held if s in client.scopes]
    if requested is None:
        if not allowed:
            raise InvalidScope("The subject token holds no scope this client may have.")
        return allowed
    if any(s not in allowed for s in requested):
        raise InvalidScope("A requested scope exceeds the subject token's or the client's.")
    return requested


def _with(response: TokenResponse, details: Mapping[str, Any]) -> TokenResponse:
    return replace(response, issued_token_type=ACCESS_TOKEN_TYPE, audit_details=dict(details))
