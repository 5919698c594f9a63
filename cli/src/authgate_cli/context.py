"""What every command handler receives: the output and the clients of the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from authgate.authorization.v1 import authorization_pb2_grpc
from authgate.identity.v1 import identity_pb2_grpc
from authgate.session.v1 import session_pb2_grpc
from authgate.token.v1 import token_pb2_grpc

from .operator_tls import OperatorCertificate
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
        ca: str | None = None,
        cert: str | None = None,
        key: str | None = None,
    ) -> Context:
        """The CLI's composition root: flags win over environment and `.env`.

        Nothing is read or connected here: the certificate's files are checked when a
        command first calls a service, so `authgate pki` and `--help` need none.
        """
        timeout = settings.GRPC_CLIENT_TIMEOUT_SECONDS
        certificate = OperatorCertificate.resolve(settings, ca=ca, cert=cert, key=key)

        def client(service: str, flag: str | None, stub: Callable[[grpc.Channel], Any]) -> ServiceClient:
            return ServiceClient(service, flag or settings.target(service), stub, timeout, certificate)

        return cls(
            out=Output(as_json),
            identity=client("identity", identity_target, identity_pb2_grpc.IdentityServiceStub),
            authorization=client(
                "authorization", authorization_target, authorization_pb2_grpc.AuthorizationServiceStub
            ),
            token=client("token", token_target, token_pb2_grpc.TokenServiceStub),
            session=client("session", session_target, session_pb2_grpc.SessionServiceStub),
        )

    def close(self) -> None:
        self.identity.close()
        self.authorization.close()
        self.token.close()
        self.session.close()
