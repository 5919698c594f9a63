"""Who is calling the public session routes: the SSO cookie or a bearer access token.

A bearer token (RFC 6750 §2.1) must carry the `account` scope (only first-party clients
get it), name the account API in its `aud` (RFC 9068 §4) and belong to a user session
(`sid`); the token service validates it (signature, expiry, audience, revocation).
The cookie is validated like any other session lookup. No credentials at all get
the bare RFC 6750 §3.1 challenge; a bad one gets `invalid_token`.
"""

from __future__ import annotations

from dataclasses import dataclass

from authgate_common.core.access_tokens import TokenValidator
from authgate_common.core.account_scope import ACCOUNT_SCOPE
from authgate_common.core.errors import AccessDenied, InsufficientScope, InvalidToken, LoginRequired

from .context import Deps
from .validate import validate_session

REQUIRED_SCOPE = ACCOUNT_SCOPE
NO_TOKEN = {"no_token": "1"}


@dataclass(frozen=True)
class Caller:
    user_id: str
    # The session this request comes from: the cookie's, or the one the token was issued in.
    sid: str
    by_cookie: bool


def no_credentials() -> InvalidToken:
    return InvalidToken("Sign in, or send an access token.", metadata=NO_TOKEN)


def caller_from_token(tokens: TokenValidator, token: str, audience: str) -> Caller:
    try:
        info = tokens.validate(token, [REQUIRED_SCOPE])
    except InsufficientScope as exc:
        raise InsufficientScope(metadata={"scope": REQUIRED_SCOPE}) from exc
    if REQUIRED_SCOPE not in info.scopes:
        raise InsufficientScope(metadata={"scope": REQUIRED_SCOPE})
    # After the scope, so a token without `account` hears what it lacks (403) whatever its aud.
    if audience not in info.audiences:
        raise InvalidToken("The access token is not meant for this audience.")
    if not info.sid or not info.sub:
        # A client's own token (client_credentials) speaks for no user and no session.
        raise AccessDenied("This access token does not act for a signed-in user.")
    return Caller(user_id=info.sub, sid=info.sid, by_cookie=False)


def caller_from_cookie(deps: Deps, cookie: str | None) -> Caller:
    if not cookie:
        raise no_credentials()
    try:
        session = validate_session(deps, cookie)
    except LoginRequired as exc:
        raise InvalidToken("The session has ended; sign in again.", metadata=NO_TOKEN) from exc
    return Caller(user_id=session.user_id, sid=session.sid, by_cookie=True)
