"""The gRPC side of the error hierarchy (authgate_common.core.errors).

`status_of` gives the grpc.StatusCode an OAuthError aborts with (grpc_server's
with_errors); `raise_from_rpc_error` turns an RpcError from another authgate
service back into the OAuthError it stood for, with its metadata.
"""

from __future__ import annotations

import urllib.parse

import grpc

from .core.errors import (
    DESCRIPTION_KEY,
    ERROR_KEY,
    NotFound,
    OAuthError,
    ServerError,
    TemporarilyUnavailable,
    error_class,
)


def status_of(err: OAuthError) -> grpc.StatusCode:
    return grpc.StatusCode[err.grpc_code]


# gRPC metadata values are printable ASCII: a description is sent percent-encoded
# (only `%` and what is not printable ASCII), so "§" or "é" never turn an answer into INTERNAL.
_DESCRIPTION_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def encode_description(description: str) -> str:
    return urllib.parse.quote(description, safe=_DESCRIPTION_SAFE)


def decode_description(value: str) -> str:
    return urllib.parse.unquote(value)


def raise_from_rpc_error(exc: grpc.RpcError) -> None:
    """Re-raise an RpcError from another authgate service as the OAuthError it stood for."""
    code = exc.code() if hasattr(exc, "code") else None
    md = {k: v for k, v in (exc.trailing_metadata() or ())} if hasattr(exc, "trailing_metadata") else {}
    if ERROR_KEY in md:
        cls = error_class(str(md[ERROR_KEY]))
        extra = {k: str(v) for k, v in md.items() if k.startswith("authgate-")}
        raise cls(decode_description(str(md.get(DESCRIPTION_KEY) or "")) or cls.default_description,
                  detail=f"upstream {code}", metadata=extra) from exc
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        raise TemporarilyUnavailable(detail=f"upstream {code}") from exc
    if code == grpc.StatusCode.NOT_FOUND:
        raise NotFound(detail=str(exc)) from exc
    raise ServerError(detail=f"upstream {code}: {exc}") from exc
