"""The services' state as plain items, read and written over the operator gRPC plane:
authorization's CatalogService (apis, scopes) and AuthorizationService (clients), identity's
IdentityService (roles, groups, users). The one place that knows the messages."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

from authgate.authorization.v1 import authorization_pb2 as az
from authgate.authorization.v1 import authorization_pb2_grpc
from authgate.identity.v1 import identity_pb2 as idp
from google.protobuf.field_mask_pb2 import FieldMask

from ..context import Context
from .kinds import BY_SECTION, Item, jwks_document, jwks_text
from .plan import Current

MAX_USERS = 1000  # identity's ListUsers ceiling: users in a file are for development


class Store(Protocol):
    """Where apply reads and writes; GrpcStore in production, a fake in unit tests."""

    def read(self, sections: Iterable[str]) -> Current: ...

    def create(self, section: str, item: Item, secret: str) -> str:
        """Create the item; a client's `secret` ("" to have one generated), a user's password.
        Returns the client secret the service generated, else ""."""
        ...

    def update(self, section: str, item: Item, fields: list[str]) -> None: ...

    def delete(self, section: str, key: str) -> None: ...


class GrpcStore:
    def __init__(self, ctx: Context) -> None:
        self._identity = ctx.identity
        self._clients = ctx.authorization
        self._catalog = ctx.authorization.sibling(authorization_pb2_grpc.CatalogServiceStub)

    def close(self) -> None:
        self._catalog.close()

    # --- reading -------------------------------------------------------------------------
    def read(self, sections: Iterable[str]) -> Current:
        wanted = set(sections)
        current = Current({})
        if wanted & {"apis", "scopes"}:
            catalog = self._catalog.call("GetCatalog", az.GetCatalogRequest())
            current.builtin_scopes = frozenset(s.name for s in catalog.scopes if s.builtin)
            current.items["apis"] = _by("apis", [_api(a) for a in catalog.apis])
            current.items["scopes"] = _by("scopes", [_scope(s) for s in catalog.scopes if not s.builtin])
        if "roles" in wanted:
            roles = self._identity.call("ListRoles", idp.ListRolesRequest()).roles
            current.items["roles"] = _by("roles", [
                {"name": r.name, "description": r.description} for r in roles])
        if "groups" in wanted:
            groups = self._identity.call("ListGroups", idp.ListGroupsRequest()).groups
            current.items["groups"] = _by("groups", [
                {"name": g.name, "description": g.description, "roles": list(g.roles)} for g in groups])
        if "clients" in wanted:
            clients = self._clients.call("ListClients", az.ListClientsRequest()).clients
            current.items["clients"] = _by("clients", [_client(c) for c in clients])
        if "users" in wanted:
            users = self._identity.call("ListUsers", idp.ListUsersRequest(limit=MAX_USERS)).users
            current.items["users"] = _by("users", [_user(u) for u in users])
        return current

    # --- writing -------------------------------------------------------------------------
    def create(self, section: str, item: Item, secret: str) -> str:
        if section == "clients":
            request = az.CreateClientRequest(client=_client_message(item), client_secret=secret)
            return str(self._clients.call("CreateClient", request).client_secret)
        if section == "users":
            request = idp.CreateUserRequest(
                username=item["username"], email=item["email"], password=secret, name=item["name"],
                given_name=item["given_name"], family_name=item["family_name"],
                email_verified=item["email_verified"])
            user = self._identity.call("CreateUser", request).user
            access = [f for f in ("roles", "groups", "attributes") if item[f]]
            if access:
                self._set_access(user.id, item, access)
            return ""
        self._put(section, item)
        return ""

    def update(self, section: str, item: Item, fields: list[str]) -> None:
        if section == "clients":
            request = az.UpdateClientRequest(client=_client_message(item, fields),
                                             update_mask=FieldMask(paths=fields))
            self._clients.call("UpdateClient", request)
        elif section == "users":
            found = self._identity.call("GetUser", idp.GetUserRequest(username=item["username"]))
            self._set_access(found.user.id, item, fields)
        else:
            self._put(section, item)

    def delete(self, section: str, key: str) -> None:
        calls: dict[str, tuple[Any, str, Any]] = {
            "apis": (self._catalog, "DeleteApi", az.DeleteApiRequest(name=key)),
            "scopes": (self._catalog, "DeleteScope", az.DeleteScopeRequest(name=key)),
            "roles": (self._identity, "DeleteRole", idp.DeleteRoleRequest(name=key)),
            "groups": (self._identity, "DeleteGroup", idp.DeleteGroupRequest(name=key)),
            "clients": (self._clients, "DeleteClient", az.DeleteClientRequest(client_id=key)),
        }
        client, method, request = calls[section]
        client.call(method, request)

    def _put(self, section: str, item: Item) -> None:
        if section == "apis":
            api = az.Api(name=item["name"], audience=item["audience"], description=item["description"])
            self._catalog.call("PutApi", az.PutApiRequest(api=api))
        elif section == "scopes":
            self._catalog.call("PutScope", az.PutScopeRequest(scope=az.Scope(**item)))
        elif section == "roles":
            self._identity.call("PutRole", idp.PutRoleRequest(role=idp.Role(**item)))
        elif section == "groups":
            self._identity.call("PutGroup", idp.PutGroupRequest(group=idp.Group(**item)))

    def _set_access(self, user_id: str, item: Item, fields: Iterable[str]) -> None:
        request = idp.SetUserAccessRequest(user_id=user_id)
        for name in fields:
            if name == "attributes":
                request.set_attributes = True
                request.attributes_json = json.dumps(item["attributes"], sort_keys=True)
            else:
                setattr(request, f"set_{name}", True)
                getattr(request, name).extend(item[name])
        self._identity.call("SetUserAccess", request)


def _by(section: str, items: list[Item]) -> dict[str, Item]:
    kind = BY_SECTION[section]
    return {item[kind.key]: kind.normal(item) for item in items}


def _api(api: az.Api) -> Item:
    return {"name": api.name, "audience": api.audience, "description": api.description}


def _scope(scope: az.Scope) -> Item:
    return {"name": scope.name, "description": scope.description, "api": scope.api,
            "claims": list(scope.claims), "access_token_claims": list(scope.access_token_claims)}


_CLIENT_SCALARS = ("client_id", "name", "client_type", "token_endpoint_auth_method", "backchannel_logout_uri",
                   "first_party", "pkce_optional", "require_nonce", "admin", "require_mfa",
                   "require_pushed_authorization_requests", "dpop_bound_access_tokens",
                   "token_exchange_impersonation", "token_exchange_delegation")
_CLIENT_LISTS = ("redirect_uris", "post_logout_redirect_uris", "scopes", "grant_types", "audiences",
                 "token_exchange_subject_audiences")


def _client(client: az.Client) -> Item:
    item: Item = {name: getattr(client, name) for name in _CLIENT_SCALARS}
    item.update({name: list(getattr(client, name)) for name in _CLIENT_LISTS})
    return {**item, "jwks": jwks_document(client.jwks)}


def _client_message(item: Item, fields: Iterable[str] | None = None) -> az.Client:
    names = set(fields) if fields is not None else set(item)
    values = {n: item[n] for n in (*_CLIENT_SCALARS, *_CLIENT_LISTS) if n in names}
    if "jwks" in names:
        values["jwks"] = jwks_text(item["jwks"])
    return az.Client(client_id=item["client_id"], **{k: v for k, v in values.items() if k != "client_id"})


def _user(user: idp.User) -> Item:
    try:
        attributes = json.loads(user.attributes_json) if user.attributes_json else {}
    except ValueError:
        attributes = {}
    return {"username": user.username, "email": user.email, "email_verified": user.email_verified,
            "name": user.name, "given_name": user.given_name, "family_name": user.family_name,
            "roles": list(user.roles), "groups": list(user.groups), "attributes": attributes}
