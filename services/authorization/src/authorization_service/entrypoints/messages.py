"""Conversions between the authorization.v1 messages and the core's models."""

from __future__ import annotations

from typing import Any

from authgate.authorization.v1 import authorization_pb2 as pb
from authgate_common.proto_time import timestamp

from ..domain.models import Client, Grant


def client_from_message(msg: pb.Client) -> Client:
    return Client(
        client_id=msg.client_id, name=msg.name, redirect_uris=tuple(msg.redirect_uris),
        scopes=tuple(msg.scopes), grant_types=tuple(msg.grant_types), client_type=msg.client_type,
        token_endpoint_auth_method=msg.token_endpoint_auth_method, first_party=msg.first_party,
        pkce_optional=msg.pkce_optional, audiences=tuple(msg.audiences),
        jwks=msg.jwks, require_nonce=msg.require_nonce, admin=msg.admin, require_mfa=msg.require_mfa,
        require_pushed_authorization_requests=msg.require_pushed_authorization_requests,
        dpop_bound_access_tokens=msg.dpop_bound_access_tokens,
        token_exchange_impersonation=msg.token_exchange_impersonation,
        token_exchange_delegation=msg.token_exchange_delegation,
        token_exchange_subject_audiences=tuple(msg.token_exchange_subject_audiences),
        post_logout_redirect_uris=tuple(msg.post_logout_redirect_uris),
        backchannel_logout_uri=msg.backchannel_logout_uri,
        # Unset means true (Back-Channel Logout 1.0 §2.2 leaves the default to the OP).
        backchannel_logout_session_required=(msg.backchannel_logout_session_required
                                             if msg.HasField("backchannel_logout_session_required")
                                             else True))


def update_values(request: pb.UpdateClientRequest) -> dict[str, Any]:
    """The fields named in update_mask with their new values (lists as tuples). A path that
    names no scalar or list field of Client goes on with None, for the core to refuse by name."""
    fields = pb.Client.DESCRIPTOR.fields_by_name
    values: dict[str, Any] = {}
    for path in request.update_mask.paths:
        field = fields.get(path)
        if field is None or field.message_type is not None:
            values[path] = None
        elif field.is_repeated:
            values[path] = tuple(getattr(request.client, path))
        else:
            values[path] = getattr(request.client, path)
    return values


def client_message(client: Client) -> pb.Client:
    """Everything but the secret hash, which never leaves the service."""
    return pb.Client(
        client_id=client.client_id, name=client.name, redirect_uris=client.redirect_uris,
        scopes=client.scopes, grant_types=client.grant_types, client_type=client.client_type,
        token_endpoint_auth_method=client.token_endpoint_auth_method, first_party=client.first_party,
        pkce_optional=client.pkce_optional, audiences=client.audiences,
        created_at=timestamp(client.created_at), jwks=client.jwks, require_nonce=client.require_nonce,
        admin=client.admin, require_mfa=client.require_mfa,
        require_pushed_authorization_requests=client.require_pushed_authorization_requests,
        dpop_bound_access_tokens=client.dpop_bound_access_tokens,
        token_exchange_impersonation=client.token_exchange_impersonation,
        token_exchange_delegation=client.token_exchange_delegation,
        token_exchange_subject_audiences=client.token_exchange_subject_audiences,
        post_logout_redirect_uris=client.post_logout_redirect_uris,
        backchannel_logout_uri=client.backchannel_logout_uri,
        backchannel_logout_session_required=client.backchannel_logout_session_required)


def grant_message(grant: Grant) -> pb.Grant:
    return pb.Grant(
        grant_id=grant.grant_id, user_id=grant.user_id, sid=grant.sid, scopes=grant.scopes,
        nonce=grant.nonce, auth_time=timestamp(grant.auth_time), amr=grant.amr,
        client_id=grant.client_id, resources=grant.resources)
