"""The authorization endpoint (RFC 6749 §4.1.1, RFC 7636, RFC 9207; OIDC Core §3.1.2)
as one ordered table of checks, in the manner of node-oidc-provider.

Errors raised before the redirect URI is verified become a page (never a redirect to
an unverified URI); after that, a redirect carrying error, error_description, state
and iss (RFC 6749 §4.1.2.1). Server-side failures (5xx, e.g. the session service
being down) are not redirected: the transport answers them as JSON.
"""

from __future__ import annotations

from collections.abc import Callable

from authgate_common.core.errors import OAuthError

from .check_acr import check_acr
from .check_client import check_client
from .check_consent import check_consent
from .check_fresh_login import check_fresh_login
from .check_max_age import check_max_age
from .check_no_duplicate_params import check_no_duplicate_params
from .check_nonce import check_nonce
from .check_pkce import check_pkce
from .check_prompt import check_prompt
from .check_pushed_request import check_pushed_request
from .check_redirect_uri import check_redirect_uri
from .check_resource import check_resource
from .check_response_mode import check_response_mode
from .check_response_type import check_response_type
from .check_scope import check_scope
from .check_session import check_session
from .context import AuthorizeContext, AuthorizeDeps, AuthorizeRequest, ErrorPage, Outcome
from .issue_code import issue_code
from .responses import error_response

Step = Callable[[AuthorizeContext, AuthorizeDeps], Outcome | None]

# Each check module's docstring opens with its place in this table ("Step 6 — …").
STEPS: tuple[Step, ...] = (
    check_no_duplicate_params,
    check_pushed_request,
    check_client,
    check_redirect_uri,
    check_response_mode,
    check_response_type,
    check_scope,
    check_resource,
    check_pkce,
    check_nonce,
    check_prompt,
    check_max_age,
    check_session,
    check_fresh_login,
    check_acr,
    check_consent,
    issue_code,
)


class AuthorizeEndpoint:
    def __init__(self, deps: AuthorizeDeps, steps: tuple[Step, ...] = STEPS) -> None:
        self._deps = deps
        self._steps = steps

    def handle(self, request: AuthorizeRequest) -> Outcome:
        ctx = AuthorizeContext(request)
        try:
            for step in self._steps:
                outcome = step(ctx, self._deps)
                if outcome is not None:
                    return outcome
        except OAuthError as err:
            if err.status_code >= 500:
                raise
            if ctx.redirect_uri is None:
                return ErrorPage(err.error, err.description)
            return error_response(ctx, err, self._deps.issuer)
        raise RuntimeError("the last step always answers")
