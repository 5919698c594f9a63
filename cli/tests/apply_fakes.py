"""Fakes for `authgate apply`/`export`: an in-memory Store (the plan and its execution
without gRPC), the catalogue's RPCs, and an identity service that records its writes."""

from __future__ import annotations

import copy

from authgate.authorization.v1 import authorization_pb2, authorization_pb2_grpc
from authgate_cli.apply.kinds import BY_SECTION
from authgate_cli.apply.plan import Current
from authgate_common.core.errors import InvalidRequest, NotFound
from cli_access_fakes import FakeIdentityAccess

BUILTINS = ("openid", "profile", "email", "account", "admin:users")


class FakeStore:
    """What the services hold, as normal items; every write is recorded in `writes`."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, dict]] = {s: {} for s in BY_SECTION}
        self.writes: list[tuple[str, str, str]] = []  # (action, section, key)
        self.secrets: dict[tuple[str, str], str] = {}

    def read(self, sections) -> Current:
        return Current({s: copy.deepcopy(self.items[s]) for s in sections}, frozenset(BUILTINS))

    def create(self, section: str, item: dict, secret: str) -> str:
        key = item[BY_SECTION[section].key]
        self.writes.append(("create", section, key))
        self.items[section][key] = copy.deepcopy(item)
        generated = ""
        if section == "clients" and item["client_type"] == "confidential" and not item["jwks"]:
            generated = "" if secret else "generated-secret-of-" + key + "-0123456789abcdef"
        self.secrets[(section, key)] = secret or generated
        return generated

    def update(self, section: str, item: dict, fields: list[str]) -> None:
        key = item[BY_SECTION[section].key]
        self.writes.append(("update", section, key))
        for name in fields:
            self.items[section][key][name] = copy.deepcopy(item[name])

    def delete(self, section: str, key: str) -> None:
        self.writes.append(("delete", section, key))
        del self.items[section][key]


class FakeCatalog(authorization_pb2_grpc.CatalogServiceServicer):
    def __init__(self) -> None:
        self.scopes = {n: authorization_pb2.Scope(name=n, builtin=True) for n in BUILTINS}
        self.apis: dict[str, authorization_pb2.Api] = {}
        self.writes: list[str] = []

    def GetCatalog(self, request, context):  # noqa: N802
        return authorization_pb2.GetCatalogResponse(
            scopes=sorted(self.scopes.values(), key=lambda s: s.name),
            apis=sorted(self.apis.values(), key=lambda a: a.name), revision=len(self.writes))

    def PutScope(self, request, context):  # noqa: N802
        if request.scope.api and request.scope.api not in self.apis:
            raise InvalidRequest("No such API.")
        self.writes.append(f"PutScope {request.scope.name}")
        self.scopes[request.scope.name] = request.scope
        return authorization_pb2.PutScopeResponse(scope=request.scope, changed=True)

    def DeleteScope(self, request, context):  # noqa: N802
        if self.scopes.pop(request.name, None) is None:
            raise NotFound("No such scope.")
        self.writes.append(f"DeleteScope {request.name}")
        return authorization_pb2.DeleteScopeResponse()

    def PutApi(self, request, context):  # noqa: N802
        self.writes.append(f"PutApi {request.api.name}")
        self.apis[request.api.name] = request.api
        return authorization_pb2.PutApiResponse(api=request.api, changed=True)

    def DeleteApi(self, request, context):  # noqa: N802
        if any(s.api == request.name for s in self.scopes.values()):
            raise InvalidRequest("A scope names this API.")
        self.writes.append(f"DeleteApi {request.name}")
        self.apis.pop(request.name)
        return authorization_pb2.DeleteApiResponse()


class FakeAccessIdentity(FakeIdentityAccess):
    """FakeIdentityAccess (roles, groups, a user's access) that records each write it takes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def CreateUser(self, request, context):  # noqa: N802
        self.writes.append(f"CreateUser {request.username}")
        return super().CreateUser(request, context)

    def PutRole(self, request, context):  # noqa: N802
        self.writes.append(f"PutRole {request.role.name}")
        return super().PutRole(request, context)

    def DeleteRole(self, request, context):  # noqa: N802
        self.writes.append(f"DeleteRole {request.name}")
        return super().DeleteRole(request, context)

    def PutGroup(self, request, context):  # noqa: N802
        self.writes.append(f"PutGroup {request.group.name}")
        return super().PutGroup(request, context)

    def DeleteGroup(self, request, context):  # noqa: N802
        self.writes.append(f"DeleteGroup {request.name}")
        return super().DeleteGroup(request, context)

    def SetUserAccess(self, request, context):  # noqa: N802
        self.writes.append(f"SetUserAccess {self.users[request.user_id].username}")
        return super().SetUserAccess(request, context)
