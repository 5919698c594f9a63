"""What a scope or an API of the catalogue must look like.

A scope's name is an RFC 6749 §3.3 scope-token (printable ASCII but space, `"` and `\\`),
at most 64 characters, and neither a built-in nor under `admin:` (the admin API's, now and
later). An API's audience is an absolute URI (RFC 3986 §4.3) that none of this server's own
APIs uses: a scope must never put the account or admin API (or the issuer) in a token's
`aud`. A scope releases claims by name, never a registered JWT claim (the token sets those
itself: core.scope_catalog.REGISTERED_CLAIMS).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from authgate_common.core.account_scope import account_audience
from authgate_common.core.admin_scope import admin_audience
from authgate_common.core.errors import InvalidRequest
from authgate_common.core.scope_catalog import REGISTERED_CLAIMS, Api, Scope, is_reserved

MAX_NAME = 64
MAX_DESCRIPTION = 300
MAX_AUDIENCE = 256
MAX_CLAIMS = 32
_SCOPE_TOKEN = re.compile(r'^[\x21\x23-\x5b\x5d-\x7e]{1,64}$')
_API_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_CLAIM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class InUse(InvalidRequest):
    """Refused while something still names it (gRPC FAILED_PRECONDITION, HTTP 409)."""

    status_code, grpc_code = 409, "FAILED_PRECONDITION"


def _description(text: str) -> str:
    if len(text) > MAX_DESCRIPTION or _CONTROL.search(text):
        raise InvalidRequest(f"A description is at most {MAX_DESCRIPTION} characters, "
                             "without control characters.")
    return text.strip()


def check_scope_name(name: str) -> str:
    if not _SCOPE_TOKEN.match(name):
        raise InvalidRequest("A scope name is 1-64 printable ASCII characters without spaces, "
                             "quotes or backslashes (RFC 6749 section 3.3).")
    if is_reserved(name):
        raise InvalidRequest(f"{name!r} is a built-in scope (or reserved for one): it cannot change.")
    return name


def check_api_name(name: str) -> str:
    if not _API_NAME.match(name):
        raise InvalidRequest("An API name is 1-64 letters, digits, '.', '_' or '-', "
                             "starting with a letter or digit.")
    return name


def _claims(names: Iterable[str], field: str) -> tuple[str, ...]:
    claims = tuple(dict.fromkeys(names))
    if len(claims) > MAX_CLAIMS:
        raise InvalidRequest(f"A scope names at most {MAX_CLAIMS} {field}.")
    for claim in claims:
        if not _CLAIM_NAME.match(claim):
            raise InvalidRequest(f"{field}: {ascii(claim[:70])} is not a claim name.")
        if claim in REGISTERED_CLAIMS:
            raise InvalidRequest(f"{field}: {claim!r} is a registered JWT claim the server sets itself.")
    return claims


def validate_scope(scope: Scope) -> Scope:
    """The scope normalised (duplicates dropped, description trimmed), or InvalidRequest.
    Whether its API exists is the use case's to check, in the transaction."""
    return Scope(name=check_scope_name(scope.name), description=_description(scope.description),
                 api=check_api_name(scope.api) if scope.api else "",
                 claims=_claims(scope.claims, "claims"),
                 access_token_claims=_claims(scope.access_token_claims, "access_token_claims"))


def validate_api(api: Api, issuer: str) -> Api:
    audience = api.audience
    if (not audience or len(audience) > MAX_AUDIENCE or not audience.isascii()
            or not _SCHEME.match(audience) or "#" in audience):
        raise InvalidRequest("An API's audience is an absolute URI (RFC 3986 section 4.3) of at most "
                             f"{MAX_AUDIENCE} characters, without spaces or fragment.")
    own = {issuer.rstrip("/"), account_audience(issuer), admin_audience(issuer)}
    if audience.rstrip("/") in own:
        raise InvalidRequest("That audience is this server's own (issuer, account or admin API).")
    return Api(name=check_api_name(api.name), audience=audience,
               description=_description(api.description))
