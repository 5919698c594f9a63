"""What every command handler receives: the output and the clients of the services."""

from __future__ import annotations

from dataclasses import dataclass

from authgate.authorization.v1 import authorization_pb2_grpc
from authgate.identity.v1 import identity_pb2_grpc
from authgate.session.v1 import session_pb2_grpc
from authgate.token.v1 import token_pb2_grpc

from .output import Output
from .rpc import ServiceClient
from .settings import CliSettings


@dataclass
class Context:
    out: Output
    identity: ServiceClient
    authorization: ServiceClient
    token: ServiceClient
    session: ServiceClient

    @classmethod
    def build(
        cls,
        settings: CliSettings,
        *,
        as_json: bool,
        identity_target: str | None,
        authorization_target: str | None,
        token_target: str | None = None,
        session_target: str | None = None,
    ) -> Context:
        """The CLI's composition root: flags win over environment and `.env`."""
        timeout = settings.GRPC_CLIENT_TIMEOUT_SECONDS
        return cls(
            out=Output(as_json),
            identity=ServiceClient(
                "identity",
                identity_target or settings.IDENTITY_GRPC_TARGET,
                identity_pb2_grpc.IdentityServiceStub,
                timeout,
            ),
            authorization=ServiceClient(
                "authorization",
                authorization_target or settings.AUTHORIZATION_GRPC_TARGET,
                authorization_pb2_grpc.AuthorizationServiceStub,
                timeout,
            ),
            token=ServiceClient(
                "token",
                token_target or settings.TOKEN_GRPC_TARGET,
                token_pb2_grpc.TokenServiceStub,
                timeout,
            ),
            session=ServiceClient(
                "session",
                session_target or settings.SESSION_GRPC_TARGET,
                session_pb2_grpc.SessionServiceStub,
                timeout,
            ),
        )

    def close(self) -> None:
        self.identity.close()
        self.authorization.close()
        self.token.close()
        self.session.close()
