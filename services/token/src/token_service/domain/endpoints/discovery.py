"""Provider metadata: OpenID Connect Discovery 1.0 §3 and RFC 8414 §2 (one document)."""

from __future__ import annotations

from typing import Any

SCOPES = ["openid", "profile", "email", "read", "write", "admin", "account"]
CLAIMS = ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "sid", "amr", "at_hash",
          "name", "given_name", "family_name", "preferred_username", "email", "email_verified"]
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
# RFC 7523 client assertions: asymmetric only (never none or HS*, whose key would be shared).
AUTH_SIGNING_ALGS = ["RS256", "PS256", "ES256"]


def provider_metadata(issuer: str) -> dict[str, Any]:
    base = issuer.rstrip("/")
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/api/v1/oauth/authorize",
        "token_endpoint": f"{base}/api/v1/oauth/token",
        "userinfo_endpoint": f"{base}/api/v1/userinfo/me",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "revocation_endpoint": f"{base}/api/v1/oauth/revoke",
        "introspection_endpoint": f"{base}/api/v1/oauth/introspect",
        "scopes_supported": SCOPES,
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
        "claims_supported": CLAIMS,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        # OIDC RP-Initiated Logout 1.0 §2.1 and Back-Channel Logout 1.0 §2.1.
        "end_session_endpoint": f"{base}/api/v1/oauth/logout",
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
    }
