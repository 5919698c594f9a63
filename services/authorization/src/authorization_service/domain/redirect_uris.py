"""Which redirect URIs a client may register (RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §4.1).

Absolute, no fragment (RFC 6749 §3.1.2), https except for loopback hosts (RFC 8252
§7.3), and private-use schemes for native apps (RFC 8252 §7.1). Schemes that execute
or read local content in a browser are never acceptable redirect targets.
"""

from __future__ import annotations

import re
import urllib.parse

from authgate_common.core.errors import InvalidRequest

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
DANGEROUS_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "about", "ftp", "ws", "wss"})
MAX_URI_LENGTH = 2000
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*$")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


def has_control_characters(value: str) -> bool:
    return bool(_CONTROL_OR_SPACE.search(value))


def validate_redirect_uri(uri: str) -> str:
    if not uri or len(uri) > MAX_URI_LENGTH or has_control_characters(uri) or not uri.isascii():
        raise InvalidRequest("A redirect URI must be a non-empty ASCII URI without spaces.")
    parts = urllib.parse.urlsplit(uri)
    scheme = parts.scheme.lower()
    if not scheme or not _SCHEME.match(scheme):
        raise InvalidRequest(f"Redirect URI {uri!r} is not absolute.")
    if "#" in uri:
        raise InvalidRequest(f"Redirect URI {uri!r} must not contain a fragment.")
    if scheme in DANGEROUS_SCHEMES:
        raise InvalidRequest(f"Redirect URI scheme {scheme!r} is not allowed.")
    if scheme in ("http", "https"):
        if not parts.hostname or parts.username is not None or parts.password is not None:
            raise InvalidRequest(f"Redirect URI {uri!r} needs a host and no user information.")
        if scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
            raise InvalidRequest(f"Redirect URI {uri!r} must use https (http only for localhost).")
    elif not (parts.path or parts.netloc):
        raise InvalidRequest(f"Redirect URI {uri!r} has no path.")
    return uri
