"""Provider metadata: OpenID Connect Discovery 1.0 §3 and RFC 8414 §2 (one document).

`scopes_supported` and `claims_supported` follow the scope catalogue: the built-ins but the
admin API's (an admin client knows them; nobody else can use them) and every operator's
scope; the claims the server sets, plus every claim a scope releases. The document is
rebuilt when the catalogue's revision changes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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


def provider_metadata(issuer: str, catalog: Catalog = SEEDED, *,
                      device_flow: bool = False, registration: bool = False,
                      token_exchange: bool = False, par: bool = False, par_required: bool = False,
                      form_post: bool = True, dpop_algs: Sequence[str] = ()) -> dict[str, Any]:
    base = issuer.rstrip("/")
    metadata: dict[str, Any] = {
        "issuer": base,
        "authorization_endpoint": f"{base}/api/v1/oauth/authorize",
        "token_endpoint": f"{base}/api/v1/oauth/token",
        "userinfo_endpoint": f"{base}/api/v1/userinfo/me",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "revocation_endpoint": f"{base}/api/v1/oauth/revoke",
        "introspection_endpoint": f"{base}/api/v1/oauth/introspect",
        "scopes_supported": scopes_supported(catalog),
        "response_types_supported": ["code"],
        # OAuth 2.0 Form Post Response Mode §2 (FORM_POST_ENABLED).
        "response_modes_supported": ["query", "form_post"] if form_post else ["query"],
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
    if device_flow:  # RFC 8628 §4 (DEVICE_FLOW_ENABLED)
        metadata["device_authorization_endpoint"] = f"{base}/api/v1/oauth/device_authorization"
        metadata["grant_types_supported"] = [*metadata["grant_types_supported"],
                                             "urn:ietf:params:oauth:grant-type:device_code"]
    if token_exchange:  # RFC 8693 §2.1 (TOKEN_EXCHANGE_ENABLED)
        metadata["grant_types_supported"] = [*metadata["grant_types_supported"],
                                             "urn:ietf:params:oauth:grant-type:token-exchange"]
    if registration:  # RFC 8414 §2, RFC 7591 §3 (DCR_ENABLED)
        metadata["registration_endpoint"] = f"{base}/api/v1/oauth/register"
    if par:  # RFC 9126 §5 (PAR_ENABLED, PAR_REQUIRED)
        metadata["pushed_authorization_request_endpoint"] = f"{base}/api/v1/oauth/par"
        metadata["require_pushed_authorization_requests"] = par_required
    if dpop_algs:  # RFC 9449 §5.1 (DPOP_ENABLED)
        metadata["dpop_signing_alg_values_supported"] = list(dpop_algs)
    return metadata


class Discovery:
    """The metadata document as compact JSON, made again only when the catalogue changes.
    Before the catalogue was ever read it describes the migration's seed."""

    def __init__(self, issuer: str, catalog: CatalogSource, *, device_flow: bool = False,
                 token_exchange: bool = False,
                 registration: bool = False, par: bool = False, par_required: bool = False,
                 form_post: bool = True, dpop_algs: Sequence[str] = ()) -> None:
        self._issuer, self._catalog = issuer, catalog
        self._dpop_algs = tuple(dpop_algs)
        self._device_flow = device_flow
        self._token_exchange = token_exchange
        self._registration = registration
        self._par = par, par_required
        self._form_post = form_post
        self._made: tuple[int, str] | None = None  # (revision, document): replaced whole

    def document(self) -> str:
        try:
            catalog = self._catalog.current()
        except TemporarilyUnavailable:
            catalog = SEEDED
        made = self._made
        if made is None or made[0] != catalog.revision:
            metadata = provider_metadata(self._issuer, catalog, device_flow=self._device_flow,
                                         token_exchange=self._token_exchange,
                                         registration=self._registration,
                                         par=self._par[0], par_required=self._par[1],
                                         form_post=self._form_post, dpop_algs=self._dpop_algs)
            text = json.dumps(metadata, separators=(",", ":"))
            made = self._made = (catalog.revision, text)
        return made[1]
