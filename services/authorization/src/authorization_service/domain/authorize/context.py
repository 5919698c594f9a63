"""The state one authorization request carries through the checks, and what it ends in.

Each check reads the request, may fill in what it verified (client, redirect URI,
scopes …) and either returns None (go on), returns an outcome (stop here), or raises
an OAuthError. Whether an error is redirected depends only on `redirect_uri` being
verified yet (RFC 6749 §4.1.2.1, RFC 9700 §4.11).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ..catalog.cache import FixedCatalog
from ..catalog.ports import CatalogView
from ..codes import CodeIssuer
from ..consent.book import ConsentBook
from ..consent.pending import CsrfTokens, PendingRequests
from ..models import Client, SessionInfo
from ..par.pushed import PushedAuthorization
from ..ports import Clock, SessionLookup
from .login_marker import LoginMarkers

LOGIN_PATH = "/api/v1/sso/login"


@dataclass(frozen=True)
class AuthorizeRequest:
    # Every parameter as received, in order, duplicates included (check_no_duplicate_params looks at them).
    pairs: tuple[tuple[str, str], ...]
    # The SSO cookie value, if any.
    session_token: str | None
    # Path and query to come back to after signing in.
    return_to: str


@dataclass(frozen=True)
class Redirect:
    location: str


@dataclass(frozen=True)
class FormPost:
    """The response sent by the browser as a POST to the client (OAuth 2.0 Form Post
    Response Mode §2): `fields` (code, state, iss or error, …) to `action`, the verified
    redirect URI (responses.py)."""

    action: str
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ErrorPage:
    """Shown to the user instead of redirecting: the redirect URI is not (yet) trusted."""

    error: str
    description: str
    status: int = 400


@dataclass(frozen=True)
class ConsentPrompt:
    """Ask the user: the consent page, carrying the sealed pending request."""

    client_id: str
    client_name: str
    scopes: tuple[str, ...]
    redirect_uri: str
    sealed_request: str
    csrf_token: str
    # What each scope means, in the catalogue's words (parallel to `scopes`).
    descriptions: tuple[str, ...] = ()


Outcome = Redirect | ErrorPage | ConsentPrompt | FormPost


class ClientDirectory(Protocol):
    def find(self, client_id: str) -> Client | None: ...


@dataclass(frozen=True)
class AuthorizeDeps:
    clients: ClientDirectory
    sessions: SessionLookup
    codes: CodeIssuer
    issuer: str
    clock: Clock
    consents: ConsentBook
    pending: PendingRequests
    csrf: CsrfTokens
    login_markers: LoginMarkers
    login_path: str = LOGIN_PATH
    catalog: CatalogView = field(default_factory=FixedCatalog)
    # FORM_POST_ENABLED, RESOURCE_INDICATORS_ENABLED (check_response_mode.py, check_resource.py).
    form_post_enabled: bool = True
    resource_indicators_enabled: bool = True
    # Pushed authorization requests (RFC 9126; check_pushed_request.py); None: PAR_ENABLED off.
    pushed: PushedAuthorization | None = None


@dataclass
class AuthorizeContext:
    request: AuthorizeRequest
    params: dict[str, str] = field(default_factory=dict)
    client: Client | None = None
    redirect_uri: str | None = None  # set only once verified against the registration
    scopes: tuple[str, ...] = ()
    code_challenge: str = ""
    code_challenge_method: str = ""
    prompt: frozenset[str] = frozenset()
    max_age: int | None = None
    session: SessionInfo | None = None
    response_mode: str = "query"  # how the client gets its answer (check_response_mode.py)
    resources: tuple[str, ...] = ()  # RFC 8707 resource indicators (check_resource.py)

    def param(self, name: str) -> str:
        return self.params.get(name, "")

    @property
    def verified_client(self) -> Client:
        if self.client is None:
            raise RuntimeError("check_client must run before this step")
        return self.client

    @property
    def verified_redirect_uri(self) -> str:
        if self.redirect_uri is None:
            raise RuntimeError("check_redirect_uri must run before this step")
        return self.redirect_uri
