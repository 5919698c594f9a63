"""Reading a client-authenticated form POST once, at the edge (RFC 6749 §2.3.1, §3.2).

The body goes through the one OAuth form parser (authgate_common.core.forms) and the
Authorization header is read as Basic credentials: the id and secret are
form-urlencoded before going into Basic (RFC 6749 §2.3.1). A header that is not usable
Basic is not refused here but carried as `refused`, so the core refuses it
(`invalid_client`) at the point its rules reach the header, after checks that come first.
The DPoP header (RFC 9449) is carried as it came, for the core to check.
"""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from collections.abc import Sequence

from authgate_common.core.forms import parse_form
from authgate_common.core.resource_indicators import RESOURCE

from ..domain.clients.authentication import BasicCredentials, ClientRequest


def basic_credentials(authorization: str | None) -> BasicCredentials | None:
    """The Authorization header as Basic credentials; None when there is no header."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return BasicCredentials(refused="Unsupported client authentication scheme.")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return BasicCredentials(refused="Malformed Basic credentials.")
    if ":" not in decoded:
        return BasicCredentials(refused="Malformed Basic credentials.")
    raw_id, _, raw_secret = decoded.partition(":")
    return BasicCredentials(urllib.parse.unquote_plus(raw_id), urllib.parse.unquote_plus(raw_secret))


def form_request(content_type: str | None, body: bytes, authorization: str | None,
                 dpop: str | None = None) -> ClientRequest:
    """The request as the core takes it; a body that is not a valid form is `invalid_request`."""
    # RFC 8707 §2: `resource` may repeat (its values NUL-joined: resource_indicators.split_repeated).
    # RFC 8693 §2.1: so may `audience` (token exchange).
    return ClientRequest(parse_form(content_type, body, frozenset({RESOURCE, "audience"})),
                         basic_credentials(authorization), dpop)


def dpop_header(values: Sequence[str]) -> str | None:
    """The request's DPoP header: None when absent; several are joined with "," so that the
    value is no compact JWS and fails the proof checks (RFC 9449 §4.3 (1): exactly one)."""
    if not values:
        return None
    return values[0] if len(values) == 1 else ",".join(values)
