"""Provider metadata: OpenID Connect Discovery 1.0 §3 and RFC 8414 §2 (one document).

`scopes_supported` and `claims_supported` follow the scope catalogue: the built-ins but the
admin API's (an admin client knows them; nobody else can use them) and every operator's
scope; the claims the server sets, plus every claim a scope releases. The document is
rebuilt when the catalogue's revision changes.
"""

from __future__ import annotations

import json
from typing import Any

from authgate_common.core.acr import ACR_VALUES_SUPPORTED
from authgate_common.core.admin_scope import is_admin_scope
from authgate_common.core.errors import TemporarilyUnavailable
from authgate_common.core.scope_catalog import SEEDED, Catalog

from ..scopes import CatalogSource

SERVER_CLAIMS = ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "sid", "acr", "amr", "at_hash"]
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
# RFC 7523 client assertions: asymmetric only (never none or HS*, whose key would be shared).
AUTH_SIGNING_ALGS = ["RS256", "PS256", "ES256"]


def scopes_supported(catalog: Catalog) -> list[str]:
    return [s.name for s in catalog.scopes if not is_admin_scope(s.name)]


def claims_supported(catalog: Catalog) -> list[str]:
    return list(dict.fromkeys(SERVER_CLAIMS + catalog.supported_claims()))


def provider_metadata(issuer: str, catalog: Catalog = SEEDED) -> dict[str, Any]:
    base = issuer.rstrip("/")
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/api/v1/oauth/authorize",
        "token_endpoint": f"{base}/api/v1/oauth/token",
        "userinfo_endpoint": f"{base}/api/v1/userinfo/me",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "revocation_endpoint": f"{base}/api/v1/oauth/revoke",
        "introspection_endpoint": f"{base}/api/v1/oauth/introspect",
        "scopes_supported": scopes_supported(catalog),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": AUTH_SIGNING_ALGS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": AUTH_SIGNING_ALGS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_signing_alg_values_supported": AUTH_SIGNING_ALGS,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": claims_supported(catalog),
        # OIDC Discovery §3; the classes and how a request asks for one: core/acr.py.
        "acr_values_supported": list(ACR_VALUES_SUPPORTED),
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        # OIDC RP-Initiated Logout 1.0 §2.1 and Back-Channel Logout 1.0 §2.1.
        "end_session_endpoint": f"{base}/api/v1/oauth/logout",
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
    }


class Discovery:
    """The metadata document as compact JSON, made again only when the catalogue changes.
    Before the catalogue was ever read it describes the migration's seed."""

    def __init__(self, issuer: str, catalog: CatalogSource) -> None:
        self._issuer, self._catalog = issuer, catalog
        self._made: tuple[int, str] | None = None  # (revision, document): replaced whole

    def document(self) -> str:
        try:
            catalog = self._catalog.current()
        except TemporarilyUnavailable:
            catalog = SEEDED
        made = self._made
        if made is None or made[0] != catalog.revision:
            text = json.dumps(provider_metadata(self._issuer, catalog), separators=(",", ":"))
            made = self._made = (catalog.revision, text)
        return made[1]
