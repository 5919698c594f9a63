"""Which logout URIs a client may register.

`post_logout_redirect_uris` (OIDC RP-Initiated Logout 1.0 §3.1) follow the redirect URI
rules exactly: the browser is sent there, so the same dangers apply. The
`backchannel_logout_uri` (OIDC Back-Channel Logout 1.0 §2.2) is called by the server
itself, so it must be an absolute http(s) URL without a fragment, https unless it names
a loopback host, and not an IP literal the server refuses to call (private, link-local,
metadata, multicast, reserved: backchannel/targets.py). Whether loopback is allowed, and
where a name resolves to, is decided when the server connects.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from collections.abc import Iterable

from authgate_common.core.errors import InvalidRequest

from .backchannel.targets import TargetPolicy
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
    if why := _literal_refusal(parts.hostname):
        raise InvalidRequest(f"backchannel_logout_uri must name a public host ({why}).")
    return uri


# Loopback stays registrable: the running server's setting decides (development only).
_REGISTRABLE = TargetPolicy(allow_loopback=True, require_https=False)


def _literal_refusal(host: str) -> str:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ""  # a name: checked after resolution, when the server connects
    return _REGISTRABLE.refusal(address)
