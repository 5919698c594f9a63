"""The admin API's client and consent bodies (pydantic, so /docs shows them) and their
OpenAPI entries (the shared ones: authgate_common.admin_http).

Neither body has an `admin` field: only an operator marks an admin client, so a body
naming one is refused like any unknown field (400 invalid_request)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from authgate_common.admin_http import Strict, common_responses, etag_header, precondition
from authgate_common.core.admin_scope import CLIENTS_SCOPE, CONSENTS_SCOPE
from authgate_common.core.errors import InvalidRequest
from authgate_common.problems import problem
from pydantic import BaseModel

from ..domain.consent.book import ConsentView
from ..domain.models import Client

JsonObject = dict[str, Any]
PATCH_LISTS = ("redirect_uris", "post_logout_redirect_uris", "scopes", "grant_types",
               "token_exchange_subject_audiences")
PATCH_FLAGS = ("first_party", "require_nonce", "require_mfa", "require_pushed_authorization_requests",
               "dpop_bound_access_tokens", "token_exchange_impersonation", "token_exchange_delegation")


class AdminClient(BaseModel):
    client_id: str
    name: str
    client_type: str
    token_endpoint_auth_method: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    scopes: list[str]
    grant_types: list[str]
    audiences: list[str]
    first_party: bool
    pkce_optional: bool
    require_nonce: bool
    # Every sign-in needs a second factor (acr urn:authgate:acr:mfa).
    require_mfa: bool
    # RFC 9126 §5: only pushed authorization requests.
    require_pushed_authorization_requests: bool
    # RFC 9449 §5.2: every access token DPoP-bound.
    dpop_bound_access_tokens: bool
    # RFC 8693 policy: exchange without (impersonation) or with an actor_token (delegation);
    # a subject token must carry one of the subject audiences (empty: the client's id).
    token_exchange_impersonation: bool
    token_exchange_delegation: bool
    token_exchange_subject_audiences: list[str]
    admin: bool
    backchannel_logout_uri: str
    backchannel_logout_session_required: bool
    jwks: JsonObject | None = None
    created_at: datetime | None = None


class AdminClientWithSecret(AdminClient):
    client_secret: str | None = None


class AdminClientPage(BaseModel):
    clients: list[AdminClient]
    next_cursor: str | None = None


class AdminClientCreate(Strict):
    client_id: str
    name: str = ""
    client_type: str = "confidential"
    token_endpoint_auth_method: str = ""
    redirect_uris: list[str] = []
    post_logout_redirect_uris: list[str] = []
    scopes: list[str] = []
    grant_types: list[str] = []
    audiences: list[str] = []
    first_party: bool = False
    pkce_optional: bool = False
    require_nonce: bool = False
    require_mfa: bool = False
    require_pushed_authorization_requests: bool = False
    dpop_bound_access_tokens: bool = False
    token_exchange_impersonation: bool = False
    token_exchange_delegation: bool = False
    token_exchange_subject_audiences: list[str] = []
    backchannel_logout_uri: str = ""
    backchannel_logout_session_required: bool = True
    jwks: JsonObject | None = None


class AdminClientPatch(Strict):
    """A JSON merge patch (RFC 7396): a field sent changes; null empties a list, the name,
    the back-channel logout URI or the keys."""

    name: str | None = None
    redirect_uris: list[str] | None = None
    post_logout_redirect_uris: list[str] | None = None
    scopes: list[str] | None = None
    grant_types: list[str] | None = None
    first_party: bool | None = None
    require_nonce: bool | None = None
    require_mfa: bool | None = None
    require_pushed_authorization_requests: bool | None = None
    dpop_bound_access_tokens: bool | None = None
    token_exchange_impersonation: bool | None = None
    token_exchange_delegation: bool | None = None
    token_exchange_subject_audiences: list[str] | None = None
    backchannel_logout_uri: str | None = None
    jwks: JsonObject | None = None


class AdminConsent(BaseModel):
    client_id: str
    client_name: str
    scopes: list[str]
    granted_at: datetime


class AdminConsents(BaseModel):
    user_id: str
    consents: list[AdminConsent]


class Withdrawn(BaseModel):
    user_id: str
    withdrawn: list[str]


def jwks_text(jwks: JsonObject | None) -> str:
    return json.dumps(jwks) if jwks else ""


def new_client(body: AdminClientCreate) -> Client:
    fields = body.model_dump()
    lists = {f: tuple(fields.pop(f)) for f in ("redirect_uris", "post_logout_redirect_uris", "scopes",
                                                "grant_types", "audiences",
                                                "token_exchange_subject_audiences")}
    return Client(**{**fields, **lists, "jwks": jwks_text(body.jwks)})


def patch_values(patch: AdminClientPatch) -> dict[str, Any]:
    """The fields sent, as the core's values (lists as tuples, null as empty)."""
    values: dict[str, Any] = {}
    for name in sorted(patch.model_fields_set):
        value = getattr(patch, name)
        if name == "jwks":
            values[name] = jwks_text(value)
        elif name in PATCH_LISTS:
            values[name] = tuple(value or ())
        elif name in PATCH_FLAGS:
            if value is None:
                raise InvalidRequest(f"{name} cannot be removed")
            values[name] = value
        else:
            values[name] = value or ""
    return values


def client_json(client: Client, client_secret: str = "") -> dict[str, Any]:
    """Everything but the secret's hash; the secret itself only when just made."""
    fields = {f: getattr(client, f) for f in AdminClient.model_fields if f != "jwks"}
    jwks = json.loads(client.jwks) if client.jwks else None
    body = AdminClient(**fields, jwks=jwks).model_dump(mode="json")
    if client_secret:
        body["client_secret"] = client_secret
    return body


def consents_json(user_id: str, views: list[ConsentView]) -> dict[str, Any]:
    return AdminConsents(user_id=user_id, consents=[
        AdminConsent(client_id=v.client_id, client_name=v.client_name, scopes=list(v.scopes),
                     granted_at=v.granted_at) for v in views]).model_dump(mode="json")


ETAG_HEADER = etag_header("client")
CLIENT_RESPONSES = common_responses(CLIENTS_SCOPE, "the token service")
CONSENT_RESPONSES = common_responses(CONSENTS_SCOPE, "the token service")
CLIENT_NOT_FOUND = problem("not_found: no such client")
CONSENT_NOT_FOUND = problem("not_found: the user has no standing approval of this client")
OPERATOR_MANAGED = problem("access_denied: an admin client is managed by the operator only")
PRECONDITION = precondition("client")
