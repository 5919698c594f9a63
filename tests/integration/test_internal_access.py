"""The internal trust boundary, method by method: every RPC of every service, built from
the proto descriptors, called over real gRPC on a running stack by every workload's
certificate on both listeners (internal and operator), and by callers with no
certificate, one from another CA and an expired one.

A method some workload may call gets past the allow-list for exactly those callers on
the listener of their plane; everyone else is PERMISSION_DENIED, audited with their
identity; the certificate-less, foreign and expired never finish the TLS handshake. A new
RPC without an allow-list entry fails `test_every_rpc_has_an_allow_list_entry`.
"""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest
from authgate.audit.v1 import audit_pb2, audit_pb2_grpc
from authgate.authorization.v1 import authorization_pb2
from authgate.identity.v1 import identity_pb2
from authgate.session.v1 import session_pb2
from authgate.token.v1 import token_pb2
from authgate_common.grpc_access import (
    INTERNAL,
    OPERATOR_PLANE,
    AccessTable,
    InternalTls,
    allowed_on,
)
from authgate_common.grpc_server import channel
from authgate_common.pki import WORKLOADS, Authority, TlsFiles
from authgate_devstack.stack import Stack
from authorization_service.entrypoints.grpc_api import ACCESS as AUTHORIZATION_ACCESS
from envoy.service.auth.v3 import external_auth_pb2
from flowkit import own_stack
from identity_service.entrypoints.grpc_api import ACCESS as IDENTITY_ACCESS
from session_service.entrypoints.grpc_api import ACCESS as SESSION_ACCESS
from token_service.entrypoints.grpc_api import ACCESS as TOKEN_ACCESS

# What each service serves (proto descriptors) and its allow-list (declared beside its servicers).
SERVED = {
    "identity": ([identity_pb2.DESCRIPTOR.services_by_name["IdentityService"]], IDENTITY_ACCESS),
    "session": ([session_pb2.DESCRIPTOR.services_by_name["SessionService"]], SESSION_ACCESS),
    "authorization": ([authorization_pb2.DESCRIPTOR.services_by_name["AuthorizationService"],
                       authorization_pb2.DESCRIPTOR.services_by_name["CatalogService"]],
                      AUTHORIZATION_ACCESS),
    "token": ([token_pb2.DESCRIPTOR.services_by_name["TokenService"],
               token_pb2.DESCRIPTOR.services_by_name["RevocationFeedService"],
               external_auth_pb2.DESCRIPTOR.services_by_name["Authorization"]], TOKEN_ACCESS),
}
AUDIT = audit_pb2.DESCRIPTOR.services_by_name["AuditService"]


@dataclass(frozen=True)
class Method:
    service: str  # the authgate service serving it
    path: str  # /package.Service/Method
    streaming: bool


def methods() -> list[Method]:
    found = []
    for service, (descriptors, _) in SERVED.items():
        for descriptor in [*descriptors, AUDIT]:
            for m in descriptor.methods:
                assert not m.client_streaming, m.full_name
                found.append(Method(service, f"/{descriptor.full_name}/{m.name}", m.server_streaming))
    return found


METHODS = methods()


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own: the allowed calls include admin ones (key rotation, revocations)
    that other tests' stack should not see."""
    with own_stack(tmp_path_factory, "acl", {}) as st:
        yield st


@pytest.fixture(scope="module")
def strangers(private: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, InternalTls]:
    """Callers the stack must not let finish a handshake: a certificate of another CA
    naming the operator, an expired operator certificate of the stack's own CA."""
    base = tmp_path_factory.mktemp("strangers")
    other = Authority.create("someone else's CA")
    other.write_leaf(base / "foreign", "operator")
    own = Authority.load(private.pki_dir / "ca")
    own.write_leaf(base / "expired", "operator", days=1,
                   not_before=dt.datetime.now(dt.UTC) - dt.timedelta(days=3))
    return {name: InternalTls(TlsFiles.in_dir(base / name)) for name in ("foreign", "expired")}


def _call(ch: grpc.Channel, method: Method) -> tuple[grpc.StatusCode, str]:
    """The method with an empty request (raw bytes: an empty message of any type)."""
    try:
        if method.streaming:
            call = ch.unary_stream(method.path)(b"", timeout=5)
            try:
                next(iter(call))
            finally:
                call.cancel()
        else:
            ch.unary_unary(method.path)(b"", timeout=5)
    except grpc.RpcError as exc:
        if exc.code() == grpc.StatusCode.CANCELLED:
            return grpc.StatusCode.OK, ""
        return exc.code(), exc.details() or ""
    return grpc.StatusCode.OK, ""


def _target(stack: Stack, service: str, plane: str) -> str:
    return stack.operator_target(service) if plane == OPERATOR_PLANE else stack.grpc_target(service)


def _refused_by_allow_list(code: grpc.StatusCode, details: str) -> bool:
    return code == grpc.StatusCode.PERMISSION_DENIED and " may not call " in details


def test_every_rpc_has_an_allow_list_entry() -> None:
    for service, (_, table) in SERVED.items():
        declared = {m.path for m in METHODS if m.service == service}
        assert set(table) == declared, f"{service}: allow-list and proto disagree"


@pytest.mark.parametrize("plane", [INTERNAL, OPERATOR_PLANE])
@pytest.mark.parametrize("service", list(SERVED))
def test_each_workload_reaches_exactly_the_methods_listed_for_it(private: Stack, service: str,
                                                                 plane: str) -> None:
    table: AccessTable = SERVED[service][1]
    mistakes = []
    for workload in WORKLOADS:
        with channel(_target(private, service, plane), private.tls(workload), service) as ch:
            for method in (m for m in METHODS if m.service == service):
                code, details = _call(ch, method)
                allowed = workload in allowed_on(plane, table[method.path])
                if allowed and (_refused_by_allow_list(code, details)
                                or code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNIMPLEMENTED)):
                    mistakes.append(f"{workload} refused {method.path}: {code.name} {details}")
                if not allowed and not _refused_by_allow_list(code, details):
                    mistakes.append(f"{workload} let through {method.path}: {code.name} {details}")
    assert not mistakes, "\n".join(mistakes)


@pytest.mark.parametrize("plane", [INTERNAL, OPERATOR_PLANE])
@pytest.mark.parametrize("service", list(SERVED))
def test_no_certificate_a_foreign_or_an_expired_one_never_get_a_call_through(
        private: Stack, strangers: dict[str, InternalTls], service: str, plane: str) -> None:
    target = _target(private, service, plane)
    ca = (private.pki_dir / "validator" / "ca.crt").read_bytes()
    no_cert = grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=ca),
                                  options=InternalTls.channel_options(service))
    channels = {"plaintext": grpc.insecure_channel(target), "no certificate": no_cert,
                **{name: channel(target, tls, service) for name, tls in strangers.items()}}
    try:
        for name, ch in channels.items():
            for method in (m for m in METHODS if m.service == service):
                code, details = _call(ch, method)
                assert code == grpc.StatusCode.UNAVAILABLE, (name, method.path, code, details)
    finally:
        for ch in channels.values():
            ch.close()


def test_a_refused_call_is_audited_with_the_callers_identity(private: Stack) -> None:
    with private.channel("identity", "validator") as ch:
        code, details = _call(ch, Method("identity", "/authgate.identity.v1.IdentityService/ListUsers",
                                         False))
    assert _refused_by_allow_list(code, details)
    with private.channel("identity", "operator", operator=True) as ch:
        events = audit_pb2_grpc.AuditServiceStub(ch).ListAuditEvents(
            audit_pb2.ListAuditEventsRequest(type="rpc.denied", limit=100), timeout=5).events
    assert any(e.actor == "workload:validator" and "IdentityService/ListUsers" in e.details_json
               and '"listener":"internal"' in e.details_json for e in events), events


def test_a_server_must_prove_to_be_the_service_the_caller_meant(private: Stack) -> None:
    """A caller asking for the token service gets no answer from another workload's
    listener: the server's certificate names who it is."""
    impostor = channel(private.grpc_target("identity"), private.tls("validator"), "token")
    with impostor:
        code, _ = _call(impostor, Method("identity", "/grpc.health.v1.Health/Check", False))
    assert code == grpc.StatusCode.UNAVAILABLE


def test_the_local_pki_keeps_keys_private(private: Stack) -> None:
    root = private.pki_dir
    assert (root.stat().st_mode & 0o777) == 0o700
    keys = [root / "ca" / "ca.key", *(root / w / "tls.key" for w in WORKLOADS)]
    for key in keys:
        assert (key.stat().st_mode & 0o777) == 0o600, key
    for folder in [root / "ca", *(root / w for w in WORKLOADS)]:
        assert (pathlib.Path(folder).stat().st_mode & 0o777) == 0o700, folder


def test_the_documented_internal_contract_is_the_code() -> None:
    import internal_contract

    assert internal_contract.current() == internal_contract.render(), (
        "docs/internal-plane.md drifted: run `python tests/integration/internal_contract.py`")
