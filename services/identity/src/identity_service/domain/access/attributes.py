"""A user's attributes: custom claims, by name, released when a scope names them.

Bounded so a token stays small: at most 32 names, each identifier-like (letters, digits,
`_ . : -`, at most 64); a value is a string (≤ 1024), a number, a boolean or an array of at
most 32 strings. A name may not be a registered JWT claim (RFC 7519 §4.1), a claim the
server sets itself (OIDC Core §2, RFC 9068 §2.2, RFC 8693 §4) or an OpenID Connect standard
claim (OIDC Core §5.1): an attribute never passes for one of those.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from authgate_common.core.errors import InvalidRequest

from ..text import encodable

MAX_ATTRIBUTES = 32
MAX_STRING = 1024
MAX_ARRAY = 32
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,63}")

REGISTERED = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})
SERVER_SET = frozenset({
    "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "c_hash", "s_hash", "sid",
    "scope", "client_id", "cnf", "act", "may_act", "typ", "events", "txn",
    "roles", "groups", "entitlements", "_claim_names", "_claim_sources",
})
STANDARD = frozenset({
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
    "profile", "picture", "website", "email", "email_verified", "gender", "birthdate",
    "zoneinfo", "locale", "phone_number", "phone_number_verified", "address", "updated_at",
})
RESERVED = REGISTERED | SERVER_SET | STANDARD


def _value_ok(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_STRING and encodable(value)
    if isinstance(value, bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return len(value) <= MAX_ARRAY and all(
            isinstance(v, str) and len(v) <= MAX_STRING and encodable(v) for v in value)
    return False


def check_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    if len(attributes) > MAX_ATTRIBUTES:
        raise InvalidRequest(f"at most {MAX_ATTRIBUTES} attributes")
    for name, value in attributes.items():
        if not isinstance(name, str) or _NAME.fullmatch(name) is None:
            raise InvalidRequest("an attribute name is a letter, then up to 63 letters, digits or _ . : -")
        if name in RESERVED:
            raise InvalidRequest(f"attribute {name!r} would pass for a registered or standard claim")
        if not _value_ok(value):
            raise InvalidRequest(f"attribute {name!r}: a string (at most {MAX_STRING} characters), "
                                 f"a number, a boolean or an array of at most {MAX_ARRAY} strings")
    return dict(attributes)


def parse_attributes(text: str) -> dict[str, Any]:
    """The wire form (a JSON object; empty text is no attributes), checked."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text, parse_constant=lambda _: None)  # NaN/Infinity are not JSON
    except (ValueError, RecursionError) as exc:
        raise InvalidRequest("attributes must be a JSON object") from exc
    if not isinstance(value, dict):
        raise InvalidRequest("attributes must be a JSON object")
    return check_attributes(value)


def attributes_json(attributes: Mapping[str, Any]) -> str:
    return json.dumps(dict(attributes), separators=(",", ":"), sort_keys=True, ensure_ascii=False)
