"""Resource indicators (RFC 8707): the `resource` parameter at /authorize (§2.1) and
/token (§2.2), read the same way by the authorization and token services.

Each value must be an absolute URI without a fragment (§2); it may repeat. A resource
is acceptable only when it is the audience of a catalogue API that one of the scopes at
hand opens (the scopes granted, which are within the client's registration), so a client
can only name an API it may use — anything else is `invalid_target`. The access token
is then for the named resources only (`aud`), and its scopes are narrowed to those of
their APIs plus the scopes that belong to no API (openid, profile, email: §2.2 lets the
server narrow them).

Forms carry a repeated parameter as its values joined by NUL (forms.parse_form's
`repeatable`), a character no value may hold: split_repeated() takes them apart.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Sequence

from .account_scope import ACCOUNT_SCOPE, account_audience
from .admin_scope import admin_audience, is_admin_scope
from .errors import InvalidTarget
from .scope_catalog import Catalog

RESOURCE = "resource"
REPEAT_SEPARATOR = "\x00"
MAX_RESOURCES = 8
MAX_RESOURCE_CHARS = 512


def split_repeated(value: str | None) -> list[str]:
    """The values of a repeatable form parameter (empty ones dropped: RFC 6749 §3.1)."""
    return [v for v in (value or "").split(REPEAT_SEPARATOR) if v]


def parse_resources(values: Iterable[str]) -> tuple[str, ...]:
    """The requested resources in order without repeats; InvalidTarget when one is not an
    absolute URI, carries a fragment, or there are too many."""
    found = tuple(dict.fromkeys(v for v in values if v))
    if len(found) > MAX_RESOURCES:
        raise InvalidTarget(f"At most {MAX_RESOURCES} resource parameters are accepted.")
    for value in found:
        if not _absolute_without_fragment(value):
            raise InvalidTarget("Each resource must be an absolute URI without a fragment.")
    return found


def _absolute_without_fragment(value: str) -> bool:
    if len(value) > MAX_RESOURCE_CHARS or "#" in value:
        return False
    if any(ord(c) <= 0x20 or c == "\x7f" for c in value):
        return False
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        return False
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


def scope_audience(catalog: Catalog, name: str, issuer: str) -> str | None:
    """The audience of the API `name` is a permission of: a catalogue API's, the account
    API's for `account`, the admin API's for an admin scope; None for openid, profile, …"""
    if name == ACCOUNT_SCOPE:
        return account_audience(issuer)
    if is_admin_scope(name):
        return admin_audience(issuer)
    scope = catalog.scope(name)
    api = catalog.api(scope.api) if scope is not None and scope.api else None
    return api.audience if api is not None else None


def allowed_resources(catalog: Catalog, scopes: Iterable[str], issuer: str) -> list[str]:
    """The resources the scopes open: the audiences of their APIs."""
    found = (scope_audience(catalog, s, issuer) for s in scopes)
    return list(dict.fromkeys(a for a in found if a is not None))


def check_targets(resources: Sequence[str], allowed: Iterable[str]) -> None:
    """InvalidTarget unless every resource is among `allowed`."""
    permitted = set(allowed)
    if any(r not in permitted for r in resources):
        raise InvalidTarget("A requested resource is unknown or not one this client may use.")


def narrow_scopes(catalog: Catalog, resources: Sequence[str], scopes: Sequence[str],
                  issuer: str) -> list[str]:
    """The scopes for a token meant for `resources`: those of their APIs, and those of no API."""
    wanted = set(resources)
    return [s for s in scopes if (aud := scope_audience(catalog, s, issuer)) is None or aud in wanted]
