"""The request id of the work in progress, carried from Envoy through every gRPC hop.

Envoy puts `x-request-id` on each request it forwards (and a new one when the client
sent none). The HTTP middleware and the gRPC server interceptor put it in a
contextvar; the gRPC client interceptor sends it on as metadata; the logging filter
writes it on every record, so one sign-in can be followed across the four services.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

HEADER = "x-request-id"  # HTTP header and gRPC metadata key (lower case, as gRPC requires)
# What we accept from outside: a uuid or a similar token. Anything else (too long, spaces,
# control characters) would let a client forge log lines, so it is replaced.
_SAFE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def new() -> str:
    return str(uuid.uuid4())


def accept(value: str | bytes | None) -> str:
    """The id to use for an incoming request: the caller's if well-formed, else a new one."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if value and _SAFE.match(value):
        return value
    return new()


def get() -> str | None:
    return current.get()


class RequestIdFilter(logging.Filter):
    """Puts `request_id` (when one is set) and `service` on every record it sees."""

    def __init__(self, service: str | None = None) -> None:
        super().__init__()
        self._service = service

    def filter(self, record: logging.LogRecord) -> bool:
        rid = current.get()
        if rid is not None and not hasattr(record, "request_id"):
            record.request_id = rid
        if self._service and not hasattr(record, "service"):
            record.service = self._service
        return True
