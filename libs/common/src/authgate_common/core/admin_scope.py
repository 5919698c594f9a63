"""The admin API's scopes and audience, shared by the services that grant and check them.

The admin REST API (`/api/v1/admin/...`) changes users, clients, sessions, keys and
consents of everyone, so a bearer token reaches it only with the scope of the part it
calls (`admin:users`, `admin:clients`, …) and with the admin API in its `aud` (RFC 9068
§4). Only a client an operator has marked as an admin client (over the operator plane)
is ever granted an admin scope, and only by `client_credentials` (a client secret or
`private_key_jwt`): no user is in the loop, and none can consent to it at /authorize.
"""

from __future__ import annotations

USERS_SCOPE, CLIENTS_SCOPE, SESSIONS_SCOPE = "admin:users", "admin:clients", "admin:sessions"
KEYS_SCOPE, AUDIT_SCOPE, CONSENTS_SCOPE = "admin:keys", "admin:audit", "admin:consents"
ADMIN_SCOPES = frozenset({
    USERS_SCOPE, CLIENTS_SCOPE, SESSIONS_SCOPE, KEYS_SCOPE, AUDIT_SCOPE, CONSENTS_SCOPE,
})


def is_admin_scope(scope: str) -> bool:
    return scope in ADMIN_SCOPES


def admin_audience(issuer: str) -> str:
    """The admin API's audience: `<issuer>/api/v1/admin`."""
    return f"{issuer.rstrip('/')}/api/v1/admin"
