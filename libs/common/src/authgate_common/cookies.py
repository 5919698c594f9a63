"""The one rule every service follows for the names and flags of its browser cookies.

Behind an https ISSUER the SSO cookie and the CSRF cookies are `Secure` and named with the
`__Host-` prefix (RFC 6265bis §4.1.3.2): a browser then keeps them only when set over
https with Path=/ and no Domain, so a sibling subdomain or a plain-http answer cannot
plant or overwrite them. Over http (`make up`) browsers refuse that prefix, so the plain
name stays. SESSION_COOKIE_SECURE can add `Secure` to an http issuer; nothing takes it
away from an https one. The name depends on the ISSUER alone, so a service that only
reads the cookie needs no other setting to agree with the one that sets it.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

HOST_PREFIX = "__Host-"
# RFC 6265 §4.1.1: cookie-name is an RFC 9110 token.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$")


def cookie_name_problem(name: str) -> str | None:
    """Why `name` cannot be a configured cookie name (the prefix is ours to add), or None."""
    if not _TOKEN.match(name):
        return "must be a cookie token of at most 64 characters (letters, digits, - _ .)"
    if name.lower().startswith(("__host-", "__secure-")):
        return "must not carry a __Host-/__Secure- prefix: an https ISSUER adds __Host- itself"
    return None


@dataclass(frozen=True)
class CookieRule:
    host_prefixed: bool = False
    secure: bool = False

    def name(self, base: str) -> str:
        return HOST_PREFIX + base if self.host_prefixed else base

    def path(self, narrow: str) -> str:
        """`__Host-` cookies must have Path=/; a plain one may stay scoped to `narrow`."""
        return "/" if self.host_prefixed else narrow


def cookie_rule(issuer: str, force_secure: bool = False) -> CookieRule:
    https = urllib.parse.urlsplit(issuer.strip()).scheme.lower() == "https"
    return CookieRule(host_prefixed=https, secure=https or force_secure)
