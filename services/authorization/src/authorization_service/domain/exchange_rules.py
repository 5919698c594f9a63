"""A client's token exchange policy (RFC 8693), as the registry accepts it.

The policy is the operator's: whether the client may exchange a subject token without an
actor_token (impersonation, §1.1) or with one (delegation, the token then carries `act`,
§4.1), and which audiences a subject token must carry to be exchanged by it (empty: the
client's own id). Either flag needs the grant type
urn:ietf:params:oauth:grant-type:token-exchange and a confidential client: the exchange
turns someone else's token into one for this client, so the client must prove who it is.
A public client may not hold that grant type at all. Each subject audience is an absolute
URI or a client id.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable

from authgate_common.core.errors import InvalidRequest

from .models import PUBLIC, TOKEN_EXCHANGE, Client

MAX_SUBJECT_AUDIENCES = 16
MAX_SUBJECT_AUDIENCE_LENGTH = 256
# A client id (client_rules._CLIENT_ID): printable ASCII without space or colon.
_CLIENT_ID = re.compile(r"^[\x21-\x39\x3b-\x7e]{1,128}$")
# An absolute URI's characters: printable ASCII without space (RFC 3986 §2).
_URI_CHARS = re.compile(r"^[\x21-\x7e]+$")


def _is_absolute_uri(value: str) -> bool:
    if not _URI_CHARS.match(value):
        return False
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        return False
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*$", parts.scheme)) and bool(parts.netloc or parts.path)


def subject_audiences(values: Iterable[str]) -> tuple[str, ...]:
    """The audiences in order, each once; InvalidRequest for one that is neither an
    absolute URI nor a client id, or for too many."""
    found = tuple(dict.fromkeys(values))
    if len(found) > MAX_SUBJECT_AUDIENCES:
        raise InvalidRequest(f"At most {MAX_SUBJECT_AUDIENCES} token exchange subject audiences.")
    for value in found:
        if len(value) > MAX_SUBJECT_AUDIENCE_LENGTH or not (
                _CLIENT_ID.match(value) or _is_absolute_uri(value)):
            raise InvalidRequest("Each token exchange subject audience must be an absolute URI or a "
                                 f"client id of at most {MAX_SUBJECT_AUDIENCE_LENGTH} characters.")
    return found


def check_token_exchange(client: Client, client_type: str, grant_types: tuple[str, ...]) -> None:
    """InvalidRequest unless the policy and the grant types agree (see the module docstring)."""
    if client.token_exchange_impersonation or client.token_exchange_delegation:
        if client_type == PUBLIC:
            raise InvalidRequest("Only a confidential client may have a token exchange policy.")
        if TOKEN_EXCHANGE not in grant_types:
            raise InvalidRequest(f"A token exchange policy needs the grant type {TOKEN_EXCHANGE}.")
    if client_type == PUBLIC and TOKEN_EXCHANGE in grant_types:
        raise InvalidRequest("A public client cannot use token exchange.")
