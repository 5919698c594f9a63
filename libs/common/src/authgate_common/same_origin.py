"""Cross-site request forgery defence for cookie-authenticated changes (logout, end a
device, withdraw a consent).

The SSO cookie is SameSite=Lax, which still lets a top-level cross-site form POST
carry it in some browsers' Lax-by-default grace period and in older ones. So a
cookie-authenticated change must prove it comes from our own pages (OWASP CSRF
cheat sheet, "Verifying origin with standard headers"; Fetch Metadata, W3C):
`Sec-Fetch-Site: same-origin` (Fetch Metadata; scripts cannot set it), or an
`Origin`, or else a `Referer`, equal to the ISSUER's origin. Any of them naming
another site refuses; a request with none of them is refused too. Bearer-token requests
carry no ambient credential and need no such check.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """scheme://host[:port] in canonical form (RFC 6454 §6.1), or None when not a URL."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def same_origin(headers: Mapping[str, str], issuer: str) -> bool:
    ours = origin_of(issuer)
    if ours is None:
        return False
    fetch_site = (headers.get("sec-fetch-site") or "").strip().lower()
    origin = (headers.get("origin") or "").strip()
    # Any header that names another site refuses, whatever the others say.
    if fetch_site and fetch_site != "same-origin":
        return False
    # "null" is what a browser sends under Referrer-Policy: no-referrer; it proves nothing.
    if origin and origin != "null" and origin_of(origin) != ours:
        return False
    if fetch_site == "same-origin" or (origin and origin != "null"):
        return True
    referer = headers.get("referer")
    return referer is not None and origin_of(referer) == ours
