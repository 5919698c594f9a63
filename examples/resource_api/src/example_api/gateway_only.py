"""Serve an upstream to the authgate gateway only: mutual TLS, then the gateway's identity.

Copy this module when you put your own HTTP API behind authgate's Envoy gateway. The
gateway's ext_authz filter checks the bearer token and forwards the verified identity as
`x-auth-sub`, `x-auth-scope`, `x-auth-sid`, `x-auth-client-id`, `x-auth-acr` and
`x-auth-amr`; your API may believe
those headers only when the request came from the gateway. Anyone else who can open a
socket to your API can write them too, so "it sits behind the gateway" must be enforced
on the connection, not assumed:

1. TLS only, with a client certificate required and verified against the project CA
   (`ca.crt`): no plaintext listener, no anonymous client.
2. The client certificate must be the gateway's: its SAN URI is
   `spiffe://<trust domain>/gateway`. Every workload holds a certificate from the same
   CA (services, validators, the operator's CLI), so step 1 alone would let any of them
   forge `x-auth-scope: admin`. A connection whose certificate names no allowed identity
   is closed as soon as the handshake ends, before a byte of the request is read.

uvicorn does not hand the peer certificate to the ASGI app, so the check lives in its
HTTP protocol class (`connection_made` runs once per connection, after the handshake):

    config = gateway_only_config(app, tls_dir="var/pki/example", host="127.0.0.1",
                                 port=8110, allowed_peers=["spiffe://authgate/gateway"])
    uvicorn.Server(config).run()

`tls_dir` is one workload's folder as authgate lays it out (and as a cert-manager or
`kubernetes.io/tls` Secret mounts it): `tls.crt` (this API's certificate, which the
gateway checks), `tls.key` and `ca.crt`. The files are read at start: restart the process
after the certificate is renewed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pathlib
import ssl
from collections.abc import Iterable
from typing import Any, ClassVar

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

GATEWAY_IDENTITY = "spiffe://authgate/gateway"
log = logging.getLogger(__name__)


def peer_uris(transport: asyncio.BaseTransport) -> frozenset[str]:
    """The SAN URIs of the connection's verified client certificate (none on plaintext)."""
    ssl_object = transport.get_extra_info("ssl_object")
    if ssl_object is None:
        return frozenset()
    # getpeercert() decodes only a certificate that passed verification (CERT_REQUIRED).
    cert = ssl_object.getpeercert() or {}
    return frozenset(value for kind, value in cert.get("subjectAltName", ()) if kind == "URI")


class GatewayOnlyProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, closing every connection whose peer is not allowed."""

    allowed_peers: ClassVar[frozenset[str]] = frozenset({GATEWAY_IDENTITY})
    refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        uris = peer_uris(transport)
        if self.allowed_peers.isdisjoint(uris):
            self.refused = True
            log.warning(
                "refused a connection from %s: its client certificate names %s, not %s",
                self.client,
                sorted(uris) or "no SPIFFE identity",
                sorted(self.allowed_peers),
            )
            transport.abort()

    def data_received(self, data: bytes) -> None:
        if not self.refused:  # bytes already buffered when the connection was refused
            super().data_received(data)


def only_from(identities: Iterable[str]) -> type[GatewayOnlyProtocol]:
    """A protocol class for `uvicorn.Config(http=...)` that admits these SAN URIs only."""
    allowed = frozenset(identities)
    if not allowed:
        raise ValueError("at least one allowed peer identity is needed")
    return type("GatewayOnlyProtocol", (GatewayOnlyProtocol,), {"allowed_peers": allowed})


def gateway_only_config(
    app: Any,
    *,
    tls_dir: str | os.PathLike[str],
    host: str,
    port: int,
    allowed_peers: Iterable[str] = (GATEWAY_IDENTITY,),
    **uvicorn_options: Any,
) -> uvicorn.Config:
    """HTTPS with a verified client certificate required, served to `allowed_peers` only.

    Raises FileNotFoundError, naming what is missing, when `tls_dir` lacks a file.
    """
    folder = pathlib.Path(tls_dir)
    cert, key, ca = folder / "tls.crt", folder / "tls.key", folder / "ca.crt"
    missing = [p.name for p in (cert, key, ca) if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            f"no {', '.join(missing)} in {folder}: this API serves HTTPS to the gateway only and "
            "needs its certificate (tls.crt, tls.key) and the CA (ca.crt); `make up` creates the "
            "local ones; elsewhere mount the workload's Secret or run `authgate pki issue`"
        )
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
        ssl_ca_certs=str(ca),
        ssl_cert_reqs=ssl.CERT_REQUIRED,
        http=only_from(allowed_peers),
        **uvicorn_options,
    )
