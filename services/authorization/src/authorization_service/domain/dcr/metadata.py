"""Client metadata (RFC 7591 §2) read into the client model and written back (§3.2.1).

Metadata this server does not know is ignored (§2); what it knows is checked here for
form and then by the registry's own rules (client_rules.validate_client), so a client
registered dynamically passes exactly what an operator's would. A dynamically registered
client is never first-party nor an admin client, and asks only for the scopes the operator
allows for it (DCR_ALLOWED_SCOPES). `dpop_bound_access_tokens` (RFC 9449 §5.2) is a client's
own choice; a token exchange policy (RFC 8693) is the operator's alone, so no metadata sets
it (a client may register the grant type, which does nothing until the operator allows it).
Only the authorization code flow's `code` response type exists here, so `response_types`
must be consistent with `grant_types` (§2.1).
Errors are `invalid_redirect_uri` for a redirect URI and `invalid_client_metadata` for
the rest (§3.2.2).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from authgate_common.core.errors import InvalidClientMetadata, InvalidRedirectUri, InvalidRequest

from ..client_rules import validate_client
from ..models import CONFIDENTIAL, PUBLIC, Client
from ..redirect_uris import validate_redirect_uri

DEFAULT_AUTH_METHOD = "client_secret_basic"  # RFC 7591 §2
CODE = "code"
T = TypeVar("T")


def _strings(meta: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = meta.get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidClientMetadata(f"{name} must be an array of strings.")
    return tuple(value)


def _string(meta: Mapping[str, Any], name: str) -> str:
    value = meta.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidClientMetadata(f"{name} must be a string.")
    return value


def _boolean(meta: Mapping[str, Any], name: str, default: bool) -> bool:
    value = meta.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidClientMetadata(f"{name} must be a boolean.")
    return value


def _jwks(meta: Mapping[str, Any]) -> str:
    if meta.get("jwks_uri") is not None:
        raise InvalidClientMetadata("jwks_uri is not supported: send the keys as jwks.")
    value = meta.get("jwks")
    if value is None:
        return ""
    if not isinstance(value, dict):
        raise InvalidClientMetadata("jwks must be a JSON Web Key Set object.")
    return json.dumps(value)


def _scopes(meta: Mapping[str, Any], allowed: tuple[str, ...]) -> tuple[str, ...]:
    if "scope" not in meta or meta["scope"] is None:
        return allowed
    scopes = tuple(_string(meta, "scope").split())
    if refused := sorted(set(scopes) - set(allowed)):
        raise InvalidClientMetadata(f"Scope(s) not available to registered clients: {' '.join(refused)}.")
    return scopes


def _redirect_uris(meta: Mapping[str, Any]) -> tuple[str, ...]:
    uris = _strings(meta, "redirect_uris")
    for uri in uris:
        try:
            validate_redirect_uri(uri)
        except InvalidRequest as err:
            raise InvalidRedirectUri(err.description) from err
    return uris


def _response_types(meta: Mapping[str, Any], grant_types: tuple[str, ...]) -> None:
    default = (CODE,) if "authorization_code" in grant_types else ()
    response_types = _strings(meta, "response_types") or default
    if set(response_types) - {CODE}:
        raise InvalidClientMetadata("Only the response type 'code' is supported.")
    if (CODE in response_types) != ("authorization_code" in grant_types):
        raise InvalidClientMetadata("response_types 'code' goes with grant_types "
                                    "'authorization_code' (RFC 7591 §2.1).")


def checked(rule: Callable[[], T]) -> T:
    """Run a registry rule; its invalid_request is invalid_client_metadata here (§3.2.2)."""
    try:
        return rule()
    except InvalidRequest as err:
        raise InvalidClientMetadata(err.description) from err


def client_from_metadata(meta: Mapping[str, Any], client_id: str, allowed_scopes: tuple[str, ...]) -> Client:
    """The client the metadata describes, validated, or InvalidClientMetadata/InvalidRedirectUri."""
    method = _string(meta, "token_endpoint_auth_method") or DEFAULT_AUTH_METHOD
    grant_types = _strings(meta, "grant_types") or ("authorization_code",)
    _response_types(meta, grant_types)
    session_required = _boolean(meta, "backchannel_logout_session_required", True)
    client = Client(
        client_id=client_id, name=_string(meta, "client_name"), redirect_uris=_redirect_uris(meta),
        scopes=_scopes(meta, allowed_scopes), grant_types=grant_types,
        client_type=PUBLIC if method == "none" else CONFIDENTIAL, token_endpoint_auth_method=method,
        jwks=_jwks(meta), post_logout_redirect_uris=_strings(meta, "post_logout_redirect_uris"),
        backchannel_logout_uri=_string(meta, "backchannel_logout_uri"),
        backchannel_logout_session_required=session_required,
        dpop_bound_access_tokens=_boolean(meta, "dpop_bound_access_tokens", False),
        first_party=False, admin=False)
    return checked(lambda: validate_client(client))


def metadata_of(client: Client) -> dict[str, Any]:
    """The registered metadata (RFC 7591 §3.2.1), without credentials."""
    meta: dict[str, Any] = {
        "client_id": client.client_id,
        "redirect_uris": list(client.redirect_uris),
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "grant_types": list(client.grant_types),
        "response_types": [CODE] if "authorization_code" in client.grant_types else [],
        "scope": " ".join(client.scopes),
        "dpop_bound_access_tokens": client.dpop_bound_access_tokens,  # RFC 9449 §5.2
    }
    if client.created_at is not None:
        meta["client_id_issued_at"] = int(client.created_at.timestamp())
    if client.name:
        meta["client_name"] = client.name
    if client.jwks:
        meta["jwks"] = json.loads(client.jwks)
    if client.post_logout_redirect_uris:
        meta["post_logout_redirect_uris"] = list(client.post_logout_redirect_uris)
    if client.backchannel_logout_uri:
        meta["backchannel_logout_uri"] = client.backchannel_logout_uri
        meta["backchannel_logout_session_required"] = client.backchannel_logout_session_required
    return meta
