"""gRPC calls to one service, with a deadline, and what the operator sees when they fail.

A service reports failures as an OAuthError whose RFC 6749 §5.2 code and
description travel in trailing metadata (authgate_common.errors); the CLI
re-raises that error. A transport failure with no such code (nothing listening,
no answer before the deadline) becomes ServiceUnreachable instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from authgate_common.errors import ERROR_KEY, raise_from_rpc_error
from authgate_common.grpc_server import channel


class ServiceUnreachable(Exception):
    """No answer from the service itself (as opposed to an error it answered with)."""


class ServiceClient:
    """One service's stub; the channel opens on first use so unused services cost nothing."""

    def __init__(
        self, service: str, target: str, stub_factory: Callable[[grpc.Channel], Any], timeout: float
    ) -> None:
        self.service = service
        self.target = target
        self._stub_factory = stub_factory
        self._timeout = timeout
        self._channel: grpc.Channel | None = None
        self._stub: Any = None

    def call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            self._channel = channel(self.target)
            self._stub = self._stub_factory(self._channel)
        try:
            return getattr(self._stub, method)(request, timeout=self._timeout)
        except grpc.RpcError as exc:
            self._raise_unreachable(exc)
            raise_from_rpc_error(exc)
            raise  # unreachable: raise_from_rpc_error always raises

    def _raise_unreachable(self, exc: grpc.RpcError) -> None:
        metadata = dict(exc.trailing_metadata() or ())
        if ERROR_KEY in metadata:
            return  # the service answered; its own error is the message
        if exc.code() == grpc.StatusCode.UNAVAILABLE:
            raise ServiceUnreachable(f"cannot reach the {self.service} service at {self.target}") from exc
        if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
            raise ServiceUnreachable(
                f"the {self.service} service at {self.target} did not answer within {self._timeout:g} s"
            ) from exc

    def sibling(self, stub_factory: Callable[[grpc.Channel], Any]) -> ServiceClient:
        """Another gRPC service on the same target (e.g. its AuditService), same deadline."""
        return ServiceClient(self.service, self.target, stub_factory, self._timeout)

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
