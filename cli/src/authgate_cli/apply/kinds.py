"""The six kinds of resource a configuration file holds, in dependency order, and how an
item of each is made comparable: every field filled with its default, lists as sets.

An item is a plain dict with the gRPC message's field names (authorization.proto Api,
Scope, Client; identity.proto Role, Group, User); `normal` gives the file's item and the
service's answer the same shape, so the plan compares like with like, and `trimmed`
drops what equals its default again, so an export stays short and re-applies unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

Item = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    section: str
    key: str
    # Every compared field but the key, with its default value.
    defaults: Item
    # Fields the service cannot change in place (a different value is an error in the plan).
    fixed: tuple[str, ...] = ()
    # Fields sent only when the resource is created; a later difference is a warning.
    on_create: tuple[str, ...] = ()
    # In the file only, never compared or exported (where a secret comes from).
    file_only: tuple[str, ...] = ()

    def normal(self, item: Item) -> Item:
        """The item with every compared field present; lists sorted and unique."""
        out: Item = {self.key: item[self.key]}
        for name, default in self.defaults.items():
            value = item.get(name, default)
            out[name] = sorted(set(value or ())) if isinstance(default, list) else value
        if self.section == "clients":
            out["token_endpoint_auth_method"] = item.get("token_endpoint_auth_method") or _auth_method(out)
        return out

    def trimmed(self, item: Item) -> Item:
        """The item without the fields that hold their default (what `export` writes)."""
        defaults = self.normal({self.key: item[self.key]})
        if self.section == "clients":
            defaults["token_endpoint_auth_method"] = _auth_method(item)
        return {k: v for k, v in item.items() if k == self.key or v != defaults.get(k)}


def _auth_method(client: Item) -> str:
    if client.get("client_type") == "public":
        return "none"
    return "private_key_jwt" if client.get("jwks") else "client_secret_basic"


CLIENT_DEFAULTS: Item = {
    "name": "", "client_type": "confidential", "token_endpoint_auth_method": "client_secret_basic",
    "redirect_uris": [], "post_logout_redirect_uris": [], "backchannel_logout_uri": "", "scopes": [],
    "grant_types": ["authorization_code"], "audiences": [], "first_party": False,
    "pkce_optional": False, "require_nonce": False, "admin": False, "jwks": None,
    "require_mfa": False, "require_pushed_authorization_requests": False,
    "dpop_bound_access_tokens": False, "token_exchange_impersonation": False,
    "token_exchange_delegation": False, "token_exchange_subject_audiences": [],
}

KINDS: tuple[Kind, ...] = (
    Kind("apis", "name", {"audience": "", "description": ""}),
    Kind("scopes", "name", {"description": "", "api": "", "claims": [], "access_token_claims": []}),
    Kind("roles", "name", {"description": ""}),
    Kind("groups", "name", {"description": "", "roles": []}),
    Kind("clients", "client_id", CLIENT_DEFAULTS,
         fixed=("client_type", "token_endpoint_auth_method", "pkce_optional", "audiences"),
         file_only=("client_secret_env",)),
    Kind("users", "username",
         {"email": "", "email_verified": False, "name": "", "given_name": "", "family_name": "",
          "roles": [], "groups": [], "attributes": {}},
         on_create=("email", "email_verified", "name", "given_name", "family_name"),
         file_only=("password_env",)),
)
BY_SECTION = {kind.section: kind for kind in KINDS}
SECTIONS = tuple(kind.section for kind in KINDS)


def same(kind: Kind, name: str, current: Any, wanted: Any) -> bool:
    """Whether a field already holds the wanted value. A JWKS is compared key by key on the
    members the service kept (it stores only what verification uses)."""
    if name == "jwks" and current and wanted:
        return _same_jwks(current, wanted)
    return bool(current == wanted)


def _same_jwks(current: Item, wanted: Item) -> bool:
    stored = {k.get("kid"): k for k in current.get("keys", [])}
    given = {k.get("kid"): k for k in wanted.get("keys", [])}
    return stored.keys() == given.keys() and all(
        all(given[kid].get(member) == value for member, value in key.items()) for kid, key in stored.items()
    )


def jwks_text(jwks: Item | None) -> str:
    return json.dumps(jwks, separators=(",", ":"), sort_keys=True) if jwks else ""


def jwks_document(text: str) -> Item | None:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
