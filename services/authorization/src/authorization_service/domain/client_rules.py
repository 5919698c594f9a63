"""What a client registration must look like (RFC 6749 §2, RFC 7591 §2, RFC 9700 §2.1.1).

A confidential client authenticates with a secret (client_secret_basic by default;
the token endpoint accepts basic and post for it either way) or, registered with
`private_key_jwt` and a JWKS, with signed assertions and no secret (RFC 7523 §2.2); a
public client uses `none` and must use PKCE. Only a confidential client may opt out of PKCE (legacy
clients) or use client_credentials (RFC 6749 §4.4 needs client authentication). Only a
first-party client may hold `account`, the scope of the user's own account API (every
session and device). Only an admin client (an operator's mark) may hold an admin scope
(`admin:users`, …), and it must be able to obtain one: confidential, with client_credentials,
the only grant that ever yields an admin scope. Every scope is a built-in or one of the
operator's catalogue (domain/catalog), checked in the registration's transaction. A token
exchange policy (RFC 8693) has its own rules (exchange_rules).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from authgate_common.core.account_scope import ACCOUNT_SCOPE
from authgate_common.core.admin_scope import is_admin_scope
from authgate_common.core.errors import InvalidRequest
from authgate_common.core.scope_catalog import BUILTIN_NAMES

from .catalog.ports import CatalogRepository
from .client_keys import normalise_jwks
from .exchange_rules import check_token_exchange, subject_audiences
from .logout_uris import validate_backchannel_logout_uri, validate_post_logout_redirect_uris
from .models import CONFIDENTIAL, KNOWN_GRANT_TYPES, PUBLIC, Client
from .redirect_uris import has_control_characters, validate_redirect_uri

# Printable ASCII without space or colon: a colon would break HTTP Basic (RFC 7617 §2).
_CLIENT_ID = re.compile(r"^[\x21-\x39\x3b-\x7e]{1,128}$")
_SCOPE_TOKEN = re.compile(r'^[\x21\x23-\x5b\x5d-\x7e]{1,64}$')
PRIVATE_KEY_JWT = "private_key_jwt"
CONFIDENTIAL_METHODS = ("client_secret_basic", "client_secret_post", PRIVATE_KEY_JWT)
MAX_NAME_LENGTH = 200
MAX_AUDIENCE_LENGTH = 256


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _auth_method(client_type: str, method: str) -> str:
    if client_type == PUBLIC:
        if method not in ("", "none"):
            raise InvalidRequest("A public client uses token_endpoint_auth_method 'none'.")
        return "none"
    if method == "":
        return "client_secret_basic"
    if method not in CONFIDENTIAL_METHODS:
        raise InvalidRequest(
            "A confidential client uses client_secret_basic, client_secret_post or private_key_jwt.")
    return method


def _jwks(method: str, jwks: str) -> str:
    if method == PRIVATE_KEY_JWT:
        if not jwks:
            raise InvalidRequest("private_key_jwt needs the client's public keys (jwks).")
        return normalise_jwks(jwks)
    if jwks:
        raise InvalidRequest("jwks is only for token_endpoint_auth_method private_key_jwt.")
    return ""


def _check_admin(client: Client, client_type: str, scopes: tuple[str, ...],
                 grant_types: tuple[str, ...]) -> None:
    if client.admin and client_type == PUBLIC:
        raise InvalidRequest("An admin client must be confidential.")
    if any(is_admin_scope(s) for s in scopes):
        if not client.admin:
            raise InvalidRequest("Only an admin client may have an admin scope.")
        if "client_credentials" not in grant_types:
            raise InvalidRequest("An admin scope is obtained by client_credentials only: "
                                 "add that grant type.")


def require_known_scopes(scopes: Sequence[str], catalog: CatalogRepository) -> None:
    """Each scope a built-in or in the catalogue, the catalogue's rows kept until the
    registration commits (so none is deleted under it): call inside its transaction."""
    wanted = [s for s in scopes if s not in BUILTIN_NAMES]
    known = catalog.existing_scopes(wanted) if wanted else set()
    if unknown := sorted(set(wanted) - known):
        raise InvalidRequest(f"Unknown scope(s): {' '.join(unknown)}.")


def validate_client(client: Client) -> Client:
    """The registration, normalised (defaults filled, duplicates dropped), or InvalidRequest."""
    if not _CLIENT_ID.match(client.client_id):
        raise InvalidRequest("client_id must be 1-128 printable ASCII characters without spaces or colons.")
    if len(client.name) > MAX_NAME_LENGTH or has_control_characters(client.name.replace(" ", "")):
        raise InvalidRequest(f"name must be at most {MAX_NAME_LENGTH} characters without control characters.")
    client_type = client.client_type or CONFIDENTIAL
    if client_type not in (CONFIDENTIAL, PUBLIC):
        raise InvalidRequest("client_type must be 'confidential' or 'public'.")
    scopes = _unique(client.scopes)
    if any(not _SCOPE_TOKEN.match(s) for s in scopes):
        raise InvalidRequest("Each scope must be a scope-token (RFC 6749 section 3.3) "
                             "of at most 64 characters.")
    if ACCOUNT_SCOPE in scopes and not client.first_party:
        raise InvalidRequest("Only a first-party client may have the account scope.")
    grant_types = _unique(client.grant_types) or ("authorization_code",)
    if unknown := sorted(set(grant_types) - KNOWN_GRANT_TYPES):
        raise InvalidRequest(f"Unknown grant type(s): {' '.join(unknown)}.")
    if client_type == PUBLIC and "client_credentials" in grant_types:
        raise InvalidRequest("A public client cannot use client_credentials.")
    if client_type == PUBLIC and client.pkce_optional:
        raise InvalidRequest("Only a confidential client may make PKCE optional.")
    _check_admin(client, client_type, scopes, grant_types)
    check_token_exchange(client, client_type, grant_types)
    redirect_uris = _unique(validate_redirect_uri(u) for u in client.redirect_uris)
    if "authorization_code" in grant_types and not redirect_uris:
        raise InvalidRequest("The authorization_code grant needs at least one redirect URI.")
    audiences = _unique(client.audiences)
    if any(not a or len(a) > MAX_AUDIENCE_LENGTH or has_control_characters(a) for a in audiences):
        raise InvalidRequest("Each audience must be 1-256 characters without spaces.")
    auth_method = _auth_method(client_type, client.token_endpoint_auth_method)
    return Client(
        client_id=client.client_id, name=client.name, redirect_uris=redirect_uris, scopes=scopes,
        grant_types=grant_types, client_type=client_type,
        token_endpoint_auth_method=auth_method, jwks=_jwks(auth_method, client.jwks),
        require_nonce=client.require_nonce, admin=client.admin, require_mfa=client.require_mfa,
        require_pushed_authorization_requests=client.require_pushed_authorization_requests,
        dpop_bound_access_tokens=client.dpop_bound_access_tokens,
        token_exchange_impersonation=client.token_exchange_impersonation,
        token_exchange_delegation=client.token_exchange_delegation,
        token_exchange_subject_audiences=subject_audiences(client.token_exchange_subject_audiences),
        first_party=client.first_party, pkce_optional=client.pkce_optional, audiences=audiences,
        created_at=client.created_at,
        post_logout_redirect_uris=validate_post_logout_redirect_uris(client.post_logout_redirect_uris),
        backchannel_logout_uri=validate_backchannel_logout_uri(client.backchannel_logout_uri),
        backchannel_logout_session_required=client.backchannel_logout_session_required)
