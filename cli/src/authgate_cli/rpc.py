"""gRPC calls to one service's operator listener, with a deadline, over mutual TLS with
the operator certificate, and what the operator sees when they fail.

A service reports failures as an OAuthError whose RFC 6749 §5.2 code and
description travel in trailing metadata (authgate_common.core.errors); the CLI
re-raises that error. A failure with no such code is the CLI's side of the call
(authgate_cli.errors): nothing listening, no TLS handshake or no answer before the
deadline (ServiceUnreachable); the listener refusing this certificate (AccessRefused).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from authgate_common.core.errors import ERROR_KEY
from authgate_common.grpc_errors import raise_from_rpc_error
from authgate_common.grpc_server import channel

from .errors import AccessRefused, CertificateUnusable, ServiceUnreachable
from .operator_tls import HOW_TO_GET_ONE, OperatorCertificate
from .settings import CliSettings, target_variable

__all__ = ["ServiceClient", "ServiceUnreachable"]  # ServiceUnreachable: where it was before errors.py


class ServiceClient:
    """One service's stub; the channel opens on first use so unused services cost nothing."""

    def __init__(
        self,
        service: str,
        target: str,
        stub_factory: Callable[[grpc.Channel], Any],
        timeout: float,
        certificate: OperatorCertificate,
    ) -> None:
        self.service = service
        self.target = target
        self._stub_factory = stub_factory
        self._timeout = timeout
        self._certificate = certificate
        self._channel: grpc.Channel | None = None
        self._stub: Any = None

    def call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            self._channel = self._open()
            self._stub = self._stub_factory(self._channel)
        try:
            return getattr(self._stub, method)(request, timeout=self._timeout)
        except grpc.RpcError as exc:
            self._raise_call_failed(exc)
            raise_from_rpc_error(exc)
            raise  # unreachable: raise_from_rpc_error always raises

    def _open(self) -> grpc.Channel:
        tls = self._certificate.tls()
        try:
            # The service must prove to be its workload (its certificate's SAN), whatever the address.
            return channel(self.target, tls, server=self.service)
        except OSError as exc:
            raise CertificateUnusable(f"cannot read the operator certificate: {exc}") from exc

    def _raise_call_failed(self, exc: grpc.RpcError) -> None:
        metadata = dict(exc.trailing_metadata() or ())
        if ERROR_KEY in metadata:
            return  # the service answered; its own error is the message
        where = f"the {self.service} service at {self.target}"
        if exc.code() == grpc.StatusCode.UNAVAILABLE:
            raise ServiceUnreachable(f"cannot reach {where}: {self._why_unreachable(exc)}") from exc
        if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
            raise ServiceUnreachable(f"{where} did not answer within {self._timeout:g} s") from exc
        if exc.code() == grpc.StatusCode.PERMISSION_DENIED:
            raise AccessRefused(
                f"{where} refused the call ({exc.details()}): {self._why_refused(exc)}"
            ) from exc

    def _why_unreachable(self, exc: grpc.RpcError) -> str:
        found = self._certificate.diagnose()
        if found:
            return found
        details = (exc.details() or "").lower()
        files = self._certificate.files
        certificate = (
            f"{files.cert} must come from the CA the services trust, {files.ca} must be that CA, "
            f"and {self.target} must be the {self.service} service"
        )
        if any(word in details for word in ("ssl", "tls", "handshake", "certificate")):
            return f"the TLS handshake failed ({certificate})"
        if "connection refused" in details:
            return "nothing listens there (is the service running?)"
        return f"nothing answers there, or the TLS handshake failed ({certificate})"

    def _why_refused(self, exc: grpc.RpcError) -> str:
        if "internal listener" in (exc.details() or ""):
            return (
                f"{self.target} is its internal listener; the CLI needs its operator listener "
                f"(--{self.service}-target or {target_variable(self.service)}, "
                f"default {CliSettings.default_target(self.service)})"
            )
        named = ", ".join(self._certificate.workloads()) or "no authgate workload"
        return (
            f"admin commands need a certificate of workload `operator`, and "
            f"{self._certificate.files.cert} is for {named}. {HOW_TO_GET_ONE}"
        )

    def sibling(self, stub_factory: Callable[[grpc.Channel], Any]) -> ServiceClient:
        """Another gRPC service on the same target (e.g. its AuditService), same deadline."""
        return ServiceClient(self.service, self.target, stub_factory, self._timeout, self._certificate)

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
