"""In-memory IdentityService, AuthorizationService, TokenService and SessionService
servicers: the real ones live elsewhere.

They raise the same OAuthErrors the contract names (ALREADY_EXISTS, NOT_FOUND, …), and the
shared error interceptor turns them into gRPC statuses exactly as in production.
"""

from __future__ import annotations

import itertools
import secrets
import time

from authgate.authorization.v1 import authorization_pb2, authorization_pb2_grpc
from authgate.identity.v1 import identity_pb2, identity_pb2_grpc
from authgate.session.v1 import session_pb2, session_pb2_grpc
from authgate.token.v1 import token_pb2, token_pb2_grpc
from authgate_common.core.errors import AlreadyExists, InvalidRequest, NotFound
from google.protobuf.timestamp_pb2 import Timestamp

NOW = Timestamp(seconds=1_700_000_000)
LATER = Timestamp(seconds=1_700_000_600)


class FakeIdentity(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self) -> None:
        self.users: dict[str, identity_pb2.User] = {}
        self.passwords: dict[str, str] = {}
        self.delay = 0.0
        self._ids = itertools.count(1)

    def CreateUser(self, request, context):  # noqa: N802
        if any(u.username == request.username or u.email == request.email for u in self.users.values()):
            raise AlreadyExists("The username or email is already taken.")
        if len(request.password) < 8:
            raise InvalidRequest("The password must be at least 8 characters.")
        user = identity_pb2.User(
            id=f"u{next(self._ids)}",
            username=request.username,
            email=request.email,
            email_verified=request.email_verified,
            name=request.name,
            given_name=request.given_name,
            family_name=request.family_name,
            created_at=NOW,
            updated_at=NOW,
        )
        self.users[user.id] = user
        self.passwords[user.username] = request.password
        return identity_pb2.CreateUserResponse(user=user)

    def GetUser(self, request, context):  # noqa: N802
        for user in self.users.values():
            if user.id == request.id or user.username == request.username:
                return identity_pb2.GetUserResponse(user=user)
        raise NotFound("No such user.")

    def ListUsers(self, request, context):  # noqa: N802
        time.sleep(self.delay)
        users = sorted(self.users.values(), key=lambda u: u.username)
        return identity_pb2.ListUsersResponse(users=users[: request.limit or None])

    def DisableUser(self, request, context):  # noqa: N802
        if request.id not in self.users:
            raise NotFound("No such user.")
        self.users[request.id].disabled = True
        return identity_pb2.DisableUserResponse(user=self.users[request.id])

    def _find(self, request):  # by the `lookup` oneof: id or username
        for user in self.users.values():
            if user.id == request.id or (request.username and user.username == request.username):
                return user
        raise NotFound("No such user.")

    def ResetUserFactors(self, request, context):  # noqa: N802
        user = self._find(request)
        removed = len(user.mfa_methods)
        del user.mfa_methods[:]
        return identity_pb2.ResetUserFactorsResponse(user=user, removed=removed)

    def SetMfaRequired(self, request, context):  # noqa: N802
        user = self._find(request)
        user.mfa_required = request.required
        return identity_pb2.SetMfaRequiredResponse(user=user)


class FakeAuthorization(authorization_pb2_grpc.AuthorizationServiceServicer):
    def __init__(self) -> None:
        self.clients: dict[str, authorization_pb2.Client] = {}
        self.secrets: dict[str, str] = {}
        self.requests: list = []  # UpdateClient and RotateClientSecret requests, as received

    def CreateClient(self, request, context):  # noqa: N802
        client = authorization_pb2.Client()
        client.CopyFrom(request.client)
        if client.client_id in self.clients:
            raise AlreadyExists("The client_id is already registered.")
        secret = ""
        if client.client_type == "confidential" and client.token_endpoint_auth_method != "private_key_jwt":
            secret = request.client_secret or secrets.token_urlsafe(32)
            if len(secret) < 32:
                raise InvalidRequest("The client secret must be at least 32 characters.")
        client.created_at.CopyFrom(NOW)
        self.clients[client.client_id] = client
        self.secrets[client.client_id] = secret
        return authorization_pb2.CreateClientResponse(client=client, client_secret=secret)

    def ListClients(self, request, context):  # noqa: N802
        return authorization_pb2.ListClientsResponse(
            clients=sorted(self.clients.values(), key=lambda c: c.client_id)
        )

    def UpdateClient(self, request, context):  # noqa: N802
        self.requests.append(request)
        client = self.clients.get(request.client.client_id)
        if client is None:
            raise NotFound("No such client.")
        changed = []
        for path in request.update_mask.paths:
            new = getattr(request.client, path)
            if getattr(client, path) != new:
                changed.append(path)
            client.ClearField(path)
            if isinstance(new, str | bool):
                setattr(client, path, new)
            else:
                getattr(client, path).extend(new)
        return authorization_pb2.UpdateClientResponse(client=client, changed_fields=changed)

    def RotateClientSecret(self, request, context):  # noqa: N802
        self.requests.append(request)
        client = self.clients.get(request.client_id)
        if client is None:
            raise NotFound("No such client.")
        if not self.secrets.get(request.client_id):
            raise InvalidRequest("A public client has no secret to rotate.")
        secret = request.client_secret or secrets.token_urlsafe(32)
        if len(secret) < 32:
            raise InvalidRequest("The client secret must be at least 32 characters.")
        self.secrets[request.client_id] = secret
        return authorization_pb2.RotateClientSecretResponse(client=client, client_secret=secret)

    def DeleteClient(self, request, context):  # noqa: N802
        if self.clients.pop(request.client_id, None) is None:
            raise NotFound("No such client.")
        return authorization_pb2.DeleteClientResponse()


class FakeToken(token_pb2_grpc.TokenServiceServicer):
    """A current and a next key; an unforced rotation succeeds only once `ready`."""

    def __init__(self) -> None:
        self.keys = [
            token_pb2.SigningKey(kid="kid-1", alg="RS256", state="current", created_at=NOW, activated_at=NOW),
            token_pb2.SigningKey(kid="kid-2", alg="RS256", state="next", created_at=NOW),
        ]
        self.ready = False
        self.requests: list[token_pb2.RotateSigningKeysRequest] = []
        self._ids = itertools.count(3)

    def ListSigningKeys(self, request, context):  # noqa: N802
        return token_pb2.ListSigningKeysResponse(keys=self.keys)

    def RotateSigningKeys(self, request, context):  # noqa: N802
        self.requests.append(request)
        current = next(k for k in self.keys if k.state == "current")
        waiting = next(k for k in self.keys if k.state == "next")
        if not (request.force or self.ready):
            return token_pb2.RotateSigningKeysResponse(
                rotated=False, current_kid=current.kid, keys=self.keys, not_before=LATER
            )
        current.state, waiting.state = "retired", "current"
        current.retired_at.CopyFrom(LATER)
        current.published_until.CopyFrom(LATER)
        waiting.activated_at.CopyFrom(LATER)
        self.keys.append(
            token_pb2.SigningKey(kid=f"kid-{next(self._ids)}", alg="RS256", state="next", created_at=LATER)
        )
        return token_pb2.RotateSigningKeysResponse(rotated=True, current_kid=waiting.kid, keys=self.keys)


class FakeSession(session_pb2_grpc.SessionServiceServicer):
    """Live sessions by sid; a revoked one is dropped, as the real service stops listing it."""

    def __init__(self) -> None:
        self.sessions: dict[str, session_pb2.Session] = {}
        self.revoked: list[str] = []

    def add(self, sid: str, user_id: str, user_agent: str = "curl/8.5.0") -> session_pb2.Session:
        session = session_pb2.Session(
            sid=sid,
            user_id=user_id,
            client_ip="203.0.113.7",
            user_agent=user_agent,
            created_at=NOW,
            expires_at=LATER,
            auth_time=NOW,
            last_seen_at=LATER,
            amr=["pwd"],
        )
        self.sessions[sid] = session
        return session

    def ListSessions(self, request, context):  # noqa: N802
        return session_pb2.ListSessionsResponse(
            sessions=[s for s in self.sessions.values() if s.user_id == request.user_id]
        )

    def RevokeSession(self, request, context):  # noqa: N802
        session = self.sessions.get(request.sid)
        if session is None or (request.user_id and session.user_id != request.user_id):
            raise NotFound("session not found")
        del self.sessions[request.sid]
        self.revoked.append(request.sid)
        return session_pb2.RevokeSessionResponse()

    def RevokeUserSessions(self, request, context):  # noqa: N802
        if not request.user_id:
            raise InvalidRequest("user_id is required")
        sids = [sid for sid, s in self.sessions.items() if s.user_id == request.user_id]
        for sid in sids:
            del self.sessions[sid]
        self.revoked.extend(sids)
        return session_pb2.RevokeUserSessionsResponse(sids=sids)
