"""Which logout URIs a client may register.

`post_logout_redirect_uris` (OIDC RP-Initiated Logout 1.0 §3.1) follow the redirect URI
rules exactly: the browser is sent there, so the same dangers apply. The
`backchannel_logout_uri` (OIDC Back-Channel Logout 1.0 §2.2) is called by the server
itself, so it must be an absolute http(s) URL without a fragment, https unless it names
a loopback host.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable

from authgate_common.errors import InvalidRequest

from .redirect_uris import LOOPBACK_HOSTS, MAX_URI_LENGTH, has_control_characters, validate_redirect_uri


def validate_post_logout_redirect_uris(uris: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(validate_redirect_uri(u) for u in uris))


def validate_backchannel_logout_uri(uri: str) -> str:
    if not uri:
        return ""
    if len(uri) > MAX_URI_LENGTH or has_control_characters(uri) or not uri.isascii():
        raise InvalidRequest("backchannel_logout_uri must be an ASCII URL without spaces.")
    try:
        parts = urllib.parse.urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise InvalidRequest("backchannel_logout_uri is not a valid URL.") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest("backchannel_logout_uri must be an absolute http(s) URL.")
    if "#" in uri or parts.username is not None or parts.password is not None:
        raise InvalidRequest("backchannel_logout_uri must have no fragment and no user information.")
    if scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise InvalidRequest("backchannel_logout_uri must use https (http only for localhost).")
    return uri
