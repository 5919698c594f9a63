"""authgate.identity.v1.IdentityService over gRPC: a thin shell over the identity core.

Core errors are OAuthError; the shared interceptor turns them into ALREADY_EXISTS,
INVALID_ARGUMENT, NOT_FOUND … with the code in trailing metadata. bcrypt runs here, in
the gRPC server's thread pool.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import grpc
from authgate.identity.v1 import identity_pb2 as pb
from authgate.identity.v1 import identity_pb2_grpc as pb_grpc
from authgate_common.audit_service import ACCESS as AUDIT_ACCESS
from authgate_common.core.errors import TemporarilyUnavailable
from authgate_common.grpc_access import OPERATOR, callers

from ..domain.acting import BY_OPERATOR
from ..domain.admin.users import ProfileChanges, UserAdmin
from ..domain.claims import UserClaims
from ..domain.create_user import CreateUser, NewUser
from ..domain.directory import Directory
from ..domain.mfa.manage import ManageFactors
from ..domain.users import User
from ..domain.verify_password import VerifyPassword
from .access_grpc import ACCESS_METHODS, AccessMethods, AccessUseCases
from .user_wire import user_message

SERVICE_NAME = "authgate.identity.v1.IdentityService"
# Who may call each method (authgate_common.grpc_access; docs/internal-plane.md).
ACCESS = {
    **callers(SERVICE_NAME, {
        "CreateUser": OPERATOR, "GetUser": OPERATOR, "ListUsers": OPERATOR,
        "DisableUser": OPERATOR, "UnlockUser": OPERATOR,
        "ResetUserFactors": OPERATOR, "SetMfaRequired": OPERATOR,  # second factors (domain/mfa)
        # The login page verifies passwords in-process; over gRPC nobody may (a caller
        # choosing `client_ip` could guess passwords past the per-address lockout).
        "VerifyPassword": (),
        "GetUserClaims": "token",
        **ACCESS_METHODS,
    }),
    **AUDIT_ACCESS,
}


@dataclass(frozen=True)
class UseCases:
    create_user: CreateUser
    directory: Directory
    verify_password: VerifyPassword
    claims: UserClaims
    access: AccessUseCases
    # The operator's MFA switches (profile changes go through the admin use case, like the
    # admin API's PATCH); None when second factors are not wired.
    admin: UserAdmin | None = None
    factors: ManageFactors | None = None


class IdentityServicer(AccessMethods, pb_grpc.IdentityServiceServicer):
    def __init__(self, uc: UseCases) -> None:
        self._uc = uc
        self._access = uc.access

    def _users(self, users: list[User]) -> list[pb.User]:
        """The wire form, with the kinds of second factor each user has."""
        methods = self._uc.factors.methods_of([u.id for u in users]) if self._uc.factors else {}
        return [user_message(u, methods.get(u.id, ())) for u in users]

    def _user(self, user: User) -> pb.User:
        return self._users([user])[0]

    def _lookup(self, request) -> User:  # type: ignore[no-untyped-def]
        if request.WhichOneof("lookup") == "username":
            return self._uc.directory.get_by_username(request.username)
        return self._uc.directory.get(request.id)

    def _mfa(self) -> tuple[UserAdmin, ManageFactors]:
        if self._uc.admin is None or self._uc.factors is None:
            raise TemporarilyUnavailable("second factors are not wired")
        return self._uc.admin, self._uc.factors

    def CreateUser(self, request: pb.CreateUserRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        user = self._uc.create_user(NewUser(
            username=request.username, email=request.email, password=request.password,
            name=request.name, given_name=request.given_name, family_name=request.family_name,
            email_verified=request.email_verified))
        return pb.CreateUserResponse(user=user_message(user))

    def GetUser(self, request: pb.GetUserRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        if request.WhichOneof("lookup") == "username":
            user = self._uc.directory.get_by_username(request.username)
        else:
            user = self._uc.directory.get(request.id)
        return pb.GetUserResponse(user=self._user(user))

    def ListUsers(self, request: pb.ListUsersRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        return pb.ListUsersResponse(users=self._users(self._uc.directory.list(request.limit)))

    def DisableUser(self, request: pb.DisableUserRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        return pb.DisableUserResponse(user=user_message(self._uc.directory.disable(request.id)))

    def UnlockUser(self, request: pb.UnlockUserRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        if request.WhichOneof("lookup") == "username":
            user = self._uc.directory.get_by_username(request.username)
        else:
            user = self._uc.directory.get(request.id)
        self._uc.verify_password.unlock(user)
        return pb.UnlockUserResponse(user=user_message(user))

    def ResetUserFactors(self, request: pb.ResetUserFactorsRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        _admin, factors = self._mfa()
        user = self._lookup(request)
        removed = factors.reset(user, BY_OPERATOR)
        return pb.ResetUserFactorsResponse(user=self._user(user), removed=removed)

    def SetMfaRequired(self, request: pb.SetMfaRequiredRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        admin, _factors = self._mfa()
        user = admin.update(self._lookup(request).id, ProfileChanges(mfa_required=request.required), None,
                            BY_OPERATOR)
        return pb.SetMfaRequiredResponse(user=self._user(user))

    def VerifyPassword(self, request: pb.VerifyPasswordRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        user = self._uc.verify_password(request.username, request.password, request.client_ip)
        if user is None:
            return pb.VerifyPasswordResponse(valid=False)
        return pb.VerifyPasswordResponse(valid=True, user=user_message(user))

    def GetUserClaims(self, request: pb.GetUserClaimsRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]  # noqa: N802
        claims = self._uc.claims(request.user_id, list(request.scopes), list(request.claims))
        return pb.GetUserClaimsResponse(claims_json=json.dumps(claims, separators=(",", ":")))


def registrar(uc: UseCases):  # type: ignore[no-untyped-def]
    """The `register` callback for authgate_common's server factory."""

    def register(server: grpc.Server) -> None:
        pb_grpc.add_IdentityServiceServicer_to_server(IdentityServicer(uc), server)

    return register
