"""The end-session endpoint (OIDC RP-Initiated Logout 1.0 §2-§4), as plain decisions.

A client (RP) sends the browser here with `id_token_hint`, `client_id`,
`post_logout_redirect_uri` and `state`. Checked in this order:
1. the hint, when given, is an ID token we signed (the token service verifies it; an
   expired one is fine); a `client_id` given too must be one of its audiences (§2);
2. a `post_logout_redirect_uri` must exactly match one registered for that client (§3);
   otherwise, or with no client to check it against, the answer is an error page and
   never a redirect (§4: no open redirector);
3. the SSO session behind the cookie ends at once only when the hint names it (its
   `sid`); otherwise the user confirms on a form whose CSRF token is bound to the
   session, so a link or an <img> elsewhere cannot sign anyone out (§2, "SHOULD ask").
Ending the session is the same revocation as every other logout, so every validator
drops its tokens and the clients that took part get back-channel logouts.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Protocol

from authgate_common.core.errors import InvalidRequest, LoginRequired

from .context import Deps
from .logout_csrf import LogoutCsrf
from .model import Session
from .revoke import revoke_session
from .validate import validate_session

MAX_HINT_LENGTH = 8192
MAX_CLIENT_ID_LENGTH = 128
MAX_URI_LENGTH = 2000
MAX_STATE_LENGTH = 2048


@dataclass(frozen=True)
class Hint:
    """The verified claims of an id_token_hint."""

    sub: str
    sid: str
    aud: tuple[str, ...]
    azp: str = ""


@dataclass(frozen=True)
class RegisteredClient:
    client_id: str
    name: str
    post_logout_redirect_uris: tuple[str, ...]


class HintVerifier(Protocol):
    def verify(self, id_token_hint: str) -> Hint:
        """Raises InvalidRequest unless it is an ID token we signed."""
        ...


class ClientDirectory(Protocol):
    def get(self, client_id: str) -> RegisteredClient | None: ...


@dataclass(frozen=True)
class LogoutRequest:
    id_token_hint: str = ""
    client_id: str = ""
    post_logout_redirect_uri: str = ""
    state: str = ""
    # Sent only by our own confirmation form.
    csrf_token: str = ""


@dataclass(frozen=True)
class SignedOut:
    """Clear the cookie; 303 to `redirect_to` when set, else the signed-out page."""

    redirect_to: str | None
    ended: bool


@dataclass(frozen=True)
class Confirm:
    """Ask the user; the form posts `request`'s parameters back with `csrf_token`."""

    request: LogoutRequest
    client_name: str
    csrf_token: str
    expired: bool = False


def with_state(uri: str, state: str) -> str:
    if not state:
        return uri
    return uri + ("&" if urllib.parse.urlsplit(uri).query else "?") + urllib.parse.urlencode({"state": state})


class RpLogout:
    def __init__(self, deps: Deps, hints: HintVerifier, clients: ClientDirectory, csrf: LogoutCsrf) -> None:
        self._deps = deps
        self._hints = hints
        self._clients = clients
        self._csrf = csrf

    def handle(self, req: LogoutRequest, cookie: str | None) -> SignedOut | Confirm:
        _check_sizes(req)
        hint = self._hints.verify(req.id_token_hint) if req.id_token_hint else None
        client_id = _client_of(req, hint)
        client = self._client(client_id) if client_id else None
        redirect_to = self._redirect_target(req, client)
        session = self._session(cookie)
        if session is None:
            return SignedOut(redirect_to, ended=False)  # nothing to end: already signed out
        confirmed = hint is not None and hint.sid == session.sid and hint.sub == session.user_id
        expired = False
        if not confirmed and req.csrf_token:
            confirmed = self._csrf.verify(req.csrf_token, session.sid, self._deps.clock())
            expired = not confirmed
        if not confirmed:
            name = (client.name or client.client_id) if client is not None else ""
            return Confirm(req, name, self._csrf.issue(session.sid, self._deps.clock()), expired)
        revoke_session(self._deps, session.sid, user_id=session.user_id, reason="rp_logout")
        return SignedOut(redirect_to, ended=True)

    def _client(self, client_id: str) -> RegisteredClient:
        client = self._clients.get(client_id)
        if client is None:
            raise InvalidRequest("The client asking to sign you out is not registered.")
        return client

    @staticmethod
    def _redirect_target(req: LogoutRequest, client: RegisteredClient | None) -> str | None:
        uri = req.post_logout_redirect_uri
        if not uri:
            return None
        if client is None:
            raise InvalidRequest("post_logout_redirect_uri needs client_id or id_token_hint.")
        # Exact string comparison (RP-Initiated Logout 1.0 §3): no normalisation.
        if uri not in client.post_logout_redirect_uris:
            raise InvalidRequest("post_logout_redirect_uri is not registered for this client.")
        return with_state(uri, req.state)

    def _session(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            return validate_session(self._deps, cookie)
        except LoginRequired:
            return None


def _check_sizes(req: LogoutRequest) -> None:
    if (
        len(req.id_token_hint) > MAX_HINT_LENGTH
        or len(req.client_id) > MAX_CLIENT_ID_LENGTH
        or len(req.post_logout_redirect_uri) > MAX_URI_LENGTH
        or len(req.state) > MAX_STATE_LENGTH
    ):
        raise InvalidRequest("A logout parameter is too long.")


def _client_of(req: LogoutRequest, hint: Hint | None) -> str:
    """The client the request is about: client_id, else the hint's single audience (or azp)."""
    if hint is None:
        return req.client_id
    if req.client_id:
        if req.client_id not in hint.aud:
            raise InvalidRequest("client_id does not match the id_token_hint.")
        return req.client_id
    if hint.azp and hint.azp in hint.aud:
        return hint.azp
    return hint.aud[0] if len(hint.aud) == 1 else ""
