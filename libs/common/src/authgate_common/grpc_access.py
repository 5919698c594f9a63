"""Who may call which RPC: mutual TLS on every gRPC listener and channel, and one allow-list.

Every internal call is mutual TLS (authgate_common.pki): the caller's certificate names
its workload in a SAN URI `spiffe://<trust domain>/<workload>`. Each servicer module
declares, beside its methods, which workloads may call each one (`callers(...)`); the
`AccessCheck` checks every call against that table and answers anything else
`PERMISSION_DENIED`, audited with the caller's identity. A method missing from the table
is refused too: a new RPC is closed until someone writes down who may call it.

Each service has two listeners. The internal one serves the other workloads; the
operator one serves only the `operator` workload (the CLI, the admin tooling), so admin
RPCs can be reached, and fenced off by the network, apart from the service-to-service
plane. One table says both: a method whose callers include OPERATOR is served to the
operator on the operator listener, and to its other callers on the internal one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import grpc

from . import pki

log = logging.getLogger(__name__)

OPERATOR = "operator"
GATEWAY = "gateway"
VALIDATOR = "validator"
# Any workload holding a certificate of the trust domain (health checks).
ANY_WORKLOAD = "*"
INTERNAL, OPERATOR_PLANE = "internal", "operator"
HEALTH_METHODS = ("/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch")

AccessTable = dict[str, frozenset[str]]
# (full method, caller workload or "" when unauthenticated, listener plane, peer address)
DenialHook = Callable[[str, str, str, str], None]


def callers(service: str, table: Mapping[str, Iterable[str] | str]) -> AccessTable:
    """`{"/<service>/<Method>": frozenset(workloads)}` from `{"Method": workloads}`."""
    return {f"/{service}/{method}": frozenset([who] if isinstance(who, str) else who)
            for method, who in table.items()}


def health_access() -> AccessTable:
    return dict.fromkeys(HEALTH_METHODS, frozenset({ANY_WORKLOAD}))


def allowed_on(plane: str, workloads: frozenset[str]) -> frozenset[str]:
    """Who the `plane` listener lets call a method open to `workloads`."""
    if ANY_WORKLOAD in workloads:
        return workloads
    if plane == OPERATOR_PLANE:
        return workloads & {OPERATOR}
    return workloads - {OPERATOR}


def caller_of(context: grpc.ServicerContext, trust_domain: str = pki.TRUST_DOMAIN) -> str:
    """The workload behind the call's client certificate; "" when there is none, or when
    the certificate names more than one (an identity must be one workload, never a set).

    Read from the peer's identities (its certificate's subject alternative names, as
    gRPC's TLS sets them) rather than the whole auth context, which grpcio builds per call
    with every property, the peer's PEM among them (bench/NOTES.md, item 28)."""
    ids = context.peer_identities() or ()
    found = {w for raw in ids if (w := pki.workload_of(raw.decode("utf-8", "replace"), trust_domain))}
    return found.pop() if len(found) == 1 else ""


class AccessCheck:
    """Refuses every call whose caller the table does not name for this listener's plane.

    Applied to each method handler once, when it is registered on the server
    (grpc_server.create_server), not by a server interceptor consulted on every call."""

    def __init__(self, table: AccessTable, plane: str, *, trust_domain: str = pki.TRUST_DOMAIN,
                 on_denied: DenialHook | None = None) -> None:
        self._table = {**health_access(), **table}
        self._plane = plane
        self._trust_domain = trust_domain
        self._on_denied = on_denied

    def _permitted(self, context: grpc.ServicerContext, method: str, allowed: frozenset[str]) -> None:
        caller = caller_of(context, self._trust_domain)
        if caller and (caller in allowed or ANY_WORKLOAD in allowed):
            return
        who = caller or "unauthenticated"
        log.warning("refused %s from %s on the %s listener (%s)", method, who, self._plane, context.peer())
        if self._on_denied is not None:
            try:
                self._on_denied(method, caller, self._plane, context.peer())
            except Exception:  # noqa: BLE001 - a failed audit row must not open the door
                log.exception("recording the refused call failed")
        context.abort(grpc.StatusCode.PERMISSION_DENIED,
                      f"{who} may not call {method} on the {self._plane} listener")

    def wrap(self, handler: Any, method: str) -> Any:
        """`handler` behind the check of `method`'s callers (none listed: every call refused)."""
        allowed = allowed_on(self._plane, self._table.get(method, frozenset()))
        codec = {"request_deserializer": handler.request_deserializer,
                 "response_serializer": handler.response_serializer}
        check = self._permitted
        if handler.unary_unary is not None:
            inner = handler.unary_unary

            def unary(request: Any, context: grpc.ServicerContext) -> Any:
                check(context, method, allowed)
                return inner(request, context)

            return grpc.unary_unary_rpc_method_handler(unary, **codec)
        if handler.unary_stream is not None:
            inner_stream = handler.unary_stream

            def streaming(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
                check(context, method, allowed)
                yield from inner_stream(request, context)

            return grpc.unary_stream_rpc_method_handler(streaming, **codec)
        # No client-streaming RPC exists; refuse one rather than serve it unchecked.
        raise RuntimeError(f"{method}: client-streaming RPCs are not supported by the access check")


@dataclass(frozen=True)
class InternalTls:
    """One workload's mutual-TLS material: its certificate and key, and the CA it trusts."""

    files: pki.TlsFiles
    trust_domain: str = pki.TRUST_DOMAIN

    @classmethod
    def in_dir(cls, folder: str, trust_domain: str = pki.TRUST_DOMAIN) -> InternalTls:
        tls = cls(pki.TlsFiles.in_dir(folder), trust_domain)
        if not tls.files.exist():
            raise FileNotFoundError(
                f"no certificate in {folder} (tls.crt, tls.key, ca.crt): `make up` creates the "
                "local ones; elsewhere mount the workload's Secret or run `authgate pki issue`")
        return tls

    def server_credentials(self) -> grpc.ServerCredentials:
        """Client certificates required; certificate, key and CA re-read when they change
        (cert-manager renewing a Secret, `make up` renewing a leaf), for new connections."""
        return grpc.dynamic_ssl_server_credentials(
            self._server_config(), _Reloader(self.files, self._server_config),
            require_client_authentication=True)

    def _server_config(self) -> Any:
        cert, key, ca = self.files.read_matching()
        return grpc.ssl_server_certificate_configuration([(key, cert)], root_certificates=ca)

    def channel_credentials(self) -> grpc.ChannelCredentials:
        cert, key, ca = self.files.read_matching()
        return grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=cert)

    @staticmethod
    def channel_options(server_workload: str) -> list[tuple[str, Any]]:
        """The server must prove to be `server_workload` (its bare name is in its SAN),
        whatever address or DNS name the target uses."""
        return [("grpc.ssl_target_name_override", server_workload)]


class _Reloader:
    """gRPC's certificate-configuration fetcher: a new configuration when a file changed."""

    def __init__(self, files: pki.TlsFiles, load: Callable[[], Any]) -> None:
        self._files = files
        self._load = load
        self._stamp = self._mtimes()

    def _mtimes(self) -> tuple[float, ...]:
        try:
            return tuple(p.stat().st_mtime_ns for p in (self._files.cert, self._files.key, self._files.ca))
        except OSError:
            return ()

    def __call__(self) -> Any:
        stamp = self._mtimes()
        if not stamp or stamp == self._stamp:
            return None
        try:
            config = self._load()
        except Exception:  # noqa: BLE001 - half-written files: keep serving the old ones
            log.warning("certificate files changed but could not be read; keeping the old ones")
            return None
        self._stamp = stamp
        log.info("certificate reloaded from %s", self._files.cert.parent)
        return config
