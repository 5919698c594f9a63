"""How the fake services listen: as the services' operator listeners do, mutual TLS with
their workload's certificate and the services' real allow-lists (authgate_common.grpc_access)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from authgate_common.grpc_access import OPERATOR_PLANE, AccessTable, InternalTls
from authgate_common.grpc_server import Listener, create_server


def _access_table() -> AccessTable:
    """Who may call what: the services' own tables, declared beside their servicers."""
    from authorization_service.entrypoints.grpc_api import ACCESS as AUTHORIZATION
    from identity_service.entrypoints.grpc_api import ACCESS as IDENTITY
    from session_service.entrypoints.grpc_api import ACCESS as SESSION
    from token_service.entrypoints.grpc_api import ACCESS as TOKEN

    return {**IDENTITY, **SESSION, **AUTHORIZATION, **TOKEN}


ACCESS_TABLE = _access_table()


def serve(
    pki_root: Path, workload: str, register: Callable[[grpc.Server], None], plane: str = OPERATOR_PLANE
) -> tuple[grpc.Server, str]:
    """A gRPC server on a free port as `workload`'s `plane` listener: (server, target)."""
    listener = Listener(InternalTls.in_dir(str(pki_root / workload)), ACCESS_TABLE, plane)
    server, port, _ = create_server(
        0, register, service_names=[], host="127.0.0.1", max_workers=4, listener=listener
    )
    return server, f"127.0.0.1:{port}"


def use_certificate(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Point the CLI at the certificate in `folder` (tls.crt, tls.key, ca.crt)."""
    monkeypatch.setenv("AUTHGATE_CA", str(folder / "ca.crt"))
    monkeypatch.setenv("AUTHGATE_CERT", str(folder / "tls.crt"))
    monkeypatch.setenv("AUTHGATE_KEY", str(folder / "tls.key"))
