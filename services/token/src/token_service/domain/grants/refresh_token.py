"""The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2).

Every use rotates, atomically: the presented token is marked used by one conditional
UPDATE, and only the caller that won it writes the successor, in the same transaction.
An already-rotated token presented again means two parties hold the chain, so the whole
family and every access token it issued are revoked. The exception is a retry of the
immediate predecessor within REFRESH_REUSE_GRACE_SECONDS (default 0: none): it replaces
the unused successor, under row locks, so there is never more than one live successor.

A family bound to a DPoP key (a public client's, RFC 9449 §5) rotates only with a proof of
that key: otherwise `invalid_dpop_proof`, raised inside the transaction so the token is
not consumed (whoever holds the key can still use it). The access token is bound to the
request's proof, when it sends one.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import TypeAlias

from authgate_common.core import counters
from authgate_common.core.audit import AuditEvent
from authgate_common.core.errors import InvalidDPoPProof, InvalidGrant, InvalidScope, OAuthError

from ..ports import Client, SessionLiveness
from ..refresh.refresh_store import RefreshFamily, RefreshRepository, RefreshToken, refresh_event
from ..refresh.refresh_tokens import MAX_REFRESH_TOKEN_CHARS, RefreshTokens
from ..scopes import parse_scope
from ..tokens.issuance import Issue, TokenIssuer
from .base import TokenRequest, TokenResponse

log = logging.getLogger(__name__)
# What a rotation attempt comes to: the response, or an error returned (not raised) so that
# what the attempt wrote (a revoked family, its audit row) is committed before it is raised.
RefreshResult: TypeAlias = TokenResponse | OAuthError


class RefreshTokenGrant:
    grant_type = "refresh_token"

    def __init__(self, refresh: RefreshTokens, issuer: TokenIssuer, sessions: SessionLiveness,
                 grace_seconds: int = 0) -> None:
        self._refresh = refresh
        self._issuer = issuer
        self._sessions = sessions
        self._grace = timedelta(seconds=grace_seconds)

    def handle(self, request: TokenRequest, client: Client) -> TokenResponse:
        raw = request.require("refresh_token")
        requested = parse_scope(request.params.get("scope"))
        if len(raw) > MAX_REFRESH_TOKEN_CHARS:
            raise InvalidGrant()
        token_hash = self._refresh.hash(raw)
        with self._refresh.transaction() as repo:
            outcome = self._rotate(repo, token_hash, client, requested, request)
        if isinstance(outcome, OAuthError):
            raise outcome
        return outcome

    def _rotate(self, repo: RefreshRepository, token_hash: str, client: Client,
                requested: list[str] | None, request: TokenRequest) -> RefreshResult:
        now = self._refresh.now()
        current = repo.consume(token_hash, client.client_id, now)
        if current is not None:
            return self._issue(repo, current, client, requested, request)
        token = repo.get_token(token_hash, lock=True)
        if token is None or token.client_id != client.client_id:
            raise InvalidGrant(detail="unknown refresh token or another client's")
        if token.revoked_at is not None:
            raise InvalidGrant("The refresh token has been revoked.")
        if token.used_at is None:
            raise InvalidGrant("The refresh token has expired.")
        if self._grace and now - token.used_at <= self._grace:
            child = repo.live_child(token_hash, lock=True)
            if child is not None and child.used_at is None:
                # The client never saw (or lost) the successor: replace it, never add a second.
                repo.revoke_token(child.token_hash, now)
                repo.audit(_event("refresh_grace_retry", token), now)
                return self._issue(repo, token, client, requested, request)
        log.warning("refresh token reuse detected: revoking family %s", token.family_id)
        counters.refresh_reuse_detected()
        self._refresh.revoke_family(repo, token.family_id, "refresh_reuse",
                                    _event("refresh_reuse_detected", token))
        return InvalidGrant("The refresh token was already used.")

    def _issue(self, repo: RefreshRepository, parent: RefreshToken, client: Client,
               requested: list[str] | None, request: TokenRequest) -> RefreshResult:
        family = repo.get_family(parent.family_id, lock=True)
        if family is None or family.revoked_at is not None:
            raise InvalidGrant("The refresh token has been revoked.")
        if family.dpop_jkt and request.dpop_jkt != family.dpop_jkt:
            # Raised: the transaction rolls back, the token stays unused (RFC 9449 §5).
            raise InvalidDPoPProof("The refresh token is bound to another DPoP key." if request.dpop_jkt
                                   else "The refresh token is DPoP-bound: send a DPoP proof of its key.")
        scopes = narrowed_scopes(parent.scopes, client, requested)
        # RFC 8707 §2.2: within the family's resources, narrowed when `resource` is sent.
        resources = self._issuer.targets(request.params, family.resources, scopes)
        if family.sid and not self._sessions.is_alive(family.sid):
            self._refresh.revoke_family(repo, family.family_id, "session_ended",
                                        _event("refresh_session_ended", parent))
            return InvalidGrant("The session behind the refresh token has ended.")
        raw, _successor = self._refresh.successor(repo, parent)
        return self._issuer.issue(replace(_issue_for(family, client, scopes, resources),
                                          dpop_jkt=request.dpop_jkt), refresh_token=raw, record=repo.jtis)


def narrowed_scopes(granted: tuple[str, ...], client: Client, requested: list[str] | None) -> list[str]:
    """RFC 6749 §6: at most what was originally granted (and the client may still ask for)."""
    allowed = [s for s in granted if s in client.scopes]
    if requested is None:
        return allowed
    if any(s not in allowed for s in requested):
        raise InvalidScope("The requested scope exceeds the scope originally granted.")
    return [s for s in allowed if s in requested]


def _issue_for(family: RefreshFamily, client: Client, scopes: list[str],
               resources: tuple[str, ...] = ()) -> Issue:
    return Issue(subject=family.user_id, user_id=family.user_id, client=client, scopes=scopes,
                 grant_id=family.grant_id, family_id=family.family_id, sid=family.sid,
                 auth_time=family.auth_time, amr=family.amr, resources=resources)


def _event(name: str, token: RefreshToken) -> AuditEvent:
    detail = {"used_at": token.used_at.isoformat()} if token.used_at else {}
    return refresh_event(name, client_id=token.client_id, user_id=token.user_id, sid=token.sid,
                      family_id=token.family_id, detail=detail)
