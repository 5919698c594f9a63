"""The internal plane's building blocks on real sockets: the local PKI, the allow-list
interceptor on unary and streaming methods, and certificates reloaded by a running server."""

from __future__ import annotations

import datetime as dt
import os
import pathlib

import grpc
import pytest
from authgate_common.grpc_access import (
    ANY_WORKLOAD,
    INTERNAL,
    OPERATOR,
    OPERATOR_PLANE,
    InternalTls,
    allowed_on,
    callers,
)
from authgate_common.grpc_server import Listener, channel, create_server
from authgate_common.pki import Authority, TlsFiles, ensure_dev_pki, peer_workloads, workload_of
from authgate_common.renewing_channel import RenewingChannel
from cryptography import x509

SERVICE = "t.Echo"


def _handlers() -> grpc.GenericRpcHandler:
    def echo(request: bytes, context: grpc.ServicerContext) -> bytes:
        return request

    def count(request: bytes, context: grpc.ServicerContext):
        yield from (b"1", b"2")

    return grpc.method_handlers_generic_handler(SERVICE, {
        "Echo": grpc.unary_unary_rpc_method_handler(echo),
        "Unlisted": grpc.unary_unary_rpc_method_handler(echo),
        "Count": grpc.unary_stream_rpc_method_handler(count)})


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("pki") / "pki"
    ensure_dev_pki(root)
    return root


def _serve(pki: pathlib.Path, plane: str, denied: list[tuple[str, str, str]], folder: str = "token"):
    table = callers(SERVICE, {"Echo": ("session", OPERATOR), "Count": "session"})
    server, port, _ = create_server(
        0, lambda s: s.add_generic_rpc_handlers((_handlers(),)), service_names=[], host="127.0.0.1",
        listener=Listener(InternalTls.in_dir(str(pki / folder)), table, plane,
                          lambda method, caller, plane_, peer: denied.append((method, caller, plane_))))
    return server, f"127.0.0.1:{port}"


def _code(ch: grpc.Channel, method: str, streaming: bool = False) -> grpc.StatusCode:
    try:
        if streaming:
            list(ch.unary_stream(f"/{SERVICE}/{method}")(b"x", timeout=5))
        else:
            ch.unary_unary(f"/{SERVICE}/{method}")(b"x", timeout=5)
    except grpc.RpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


def test_each_plane_lets_through_only_its_callers(pki: pathlib.Path) -> None:
    denied: list[tuple[str, str, str]] = []
    internal, internal_at = _serve(pki, INTERNAL, denied)
    operator, operator_at = _serve(pki, OPERATOR_PLANE, denied)
    try:
        def as_(workload: str, target: str) -> grpc.Channel:
            return channel(target, InternalTls.in_dir(str(pki / workload)), "token")

        with as_("session", internal_at) as ch:
            assert _code(ch, "Echo") == grpc.StatusCode.OK
            assert _code(ch, "Count", streaming=True) == grpc.StatusCode.OK
            assert _code(ch, "Unlisted") == grpc.StatusCode.PERMISSION_DENIED
        with as_("operator", internal_at) as ch:  # the operator's methods are on its own listener
            assert _code(ch, "Echo") == grpc.StatusCode.PERMISSION_DENIED
        with as_("identity", internal_at) as ch:
            assert _code(ch, "Count", streaming=True) == grpc.StatusCode.PERMISSION_DENIED
        with as_("operator", operator_at) as ch:
            assert _code(ch, "Echo") == grpc.StatusCode.OK
            assert _code(ch, "Count", streaming=True) == grpc.StatusCode.PERMISSION_DENIED
        with as_("session", operator_at) as ch:
            assert _code(ch, "Echo") == grpc.StatusCode.PERMISSION_DENIED
    finally:
        internal.stop(None)
        operator.stop(None)
    assert (f"/{SERVICE}/Count", "identity", INTERNAL) in denied
    assert (f"/{SERVICE}/Echo", "session", OPERATOR_PLANE) in denied
    assert (f"/{SERVICE}/Unlisted", "session", INTERNAL) in denied


def test_allowed_on_splits_the_table_between_the_planes() -> None:
    both = frozenset({"identity", OPERATOR})
    assert allowed_on(INTERNAL, both) == {"identity"}
    assert allowed_on(OPERATOR_PLANE, both) == {OPERATOR}
    assert allowed_on(OPERATOR_PLANE, frozenset({ANY_WORKLOAD})) == {ANY_WORKLOAD}
    assert allowed_on(INTERNAL, frozenset()) == frozenset()


def test_a_server_reloads_its_certificate_when_the_files_change(tmp_path: pathlib.Path) -> None:
    """New connections get the new certificate and CA; nothing restarts."""
    old = ensure_dev_pki(tmp_path / "old")
    denied: list[tuple[str, str, str]] = []
    server, target = _serve(tmp_path / "old", INTERNAL, denied)
    try:
        with channel(target, InternalTls(old["session"]), "token") as ch:
            assert _code(ch, "Echo") == grpc.StatusCode.OK
        new = ensure_dev_pki(tmp_path / "new")  # another CA altogether
        for name in ("tls.crt", "tls.key", "ca.crt"):
            target_file = tmp_path / "old" / "token" / name
            target_file.write_bytes((tmp_path / "new" / "token" / name).read_bytes())
            os.utime(target_file, ns=(1, target_file.stat().st_mtime_ns + 1_000_000))
        with channel(target, InternalTls(new["session"]), "token") as ch:
            assert _code(ch, "Echo") == grpc.StatusCode.OK
        with channel(target, InternalTls(old["session"]), "token") as ch:
            assert _code(ch, "Echo") == grpc.StatusCode.UNAVAILABLE
    finally:
        server.stop(None)


def test_the_local_pki_is_made_once_renewed_near_expiry_and_private(tmp_path: pathlib.Path) -> None:
    root = tmp_path / "pki"
    first = ensure_dev_pki(root)
    ca_pem = (root / "ca" / "ca.crt").read_bytes()
    leaf = first["token"].cert.read_bytes()
    ensure_dev_pki(root)
    assert first["token"].cert.read_bytes() == leaf  # reused
    # A leaf close to expiry is issued again by the same CA.
    Authority.load(root / "ca").write_leaf(root / "token", "token", days=10)
    ensure_dev_pki(root)
    cert = x509.load_pem_x509_certificate(first["token"].cert.read_bytes())
    assert cert.not_valid_after_utc - dt.datetime.now(dt.UTC) > dt.timedelta(days=60)
    assert (root / "ca" / "ca.crt").read_bytes() == ca_pem
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_pem))
    assert peer_workloads(first["token"].cert.read_bytes()) == ["token"]
    assert os.stat(root).st_mode & 0o777 == 0o700
    assert os.stat(first["token"].key).st_mode & 0o777 == 0o600
    assert os.stat(root / "ca" / "ca.key").st_mode & 0o777 == 0o600


def test_spiffe_names_outside_the_trust_domain_name_no_workload() -> None:
    assert workload_of("spiffe://authgate/token") == "token"
    assert workload_of("spiffe://other/token") is None
    assert workload_of("spiffe://authgate/ns/x/sa/token") is None
    assert workload_of("https://authgate/token") is None


def test_missing_certificate_files_are_a_clear_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError, match="no certificate in"):
        InternalTls.in_dir(str(tmp_path))
    assert not TlsFiles.in_dir(tmp_path).exist()


def test_a_client_channel_presents_its_renewed_certificate(tmp_path: pathlib.Path) -> None:
    """A service's channel lives as long as the service: once its certificate files change,
    new calls go out with the new certificate (here: a new CA altogether, which the old
    certificate would not pass)."""
    old, new = ensure_dev_pki(tmp_path / "old"), ensure_dev_pki(tmp_path / "new")
    client = tmp_path / "client"
    client.mkdir()
    for name in ("tls.crt", "tls.key", "ca.crt"):
        (client / name).write_bytes((old["session"].cert.parent / name).read_bytes())
    denied: list[tuple[str, str, str]] = []
    server, target = _serve(tmp_path / "old", INTERNAL, denied)
    port = int(target.rsplit(":", 1)[1])
    files = TlsFiles.in_dir(client)
    renewing = RenewingChannel(lambda: channel(target, InternalTls(files), "token"), files,
                               check_seconds=0, drain_seconds=0.1)
    fixed = channel(target, InternalTls(old["session"]), "token")
    try:
        assert _code(renewing, "Echo") == grpc.StatusCode.OK
        assert _code(fixed, "Echo") == grpc.StatusCode.OK
        for name in ("tls.crt", "tls.key", "ca.crt"):
            path = client / name
            path.write_bytes((new["session"].cert.parent / name).read_bytes())
            os.utime(path, ns=(1, path.stat().st_mtime_ns + 1_000_000))
        server.stop(None)  # the server restarts on the new CA: every connection is new
        server, _ = _serve_on(tmp_path / "new", port, denied)
        assert _code(renewing, "Echo") == grpc.StatusCode.OK
        assert _code(renewing, "Count", streaming=True) == grpc.StatusCode.OK
        assert _code(fixed, "Echo") == grpc.StatusCode.UNAVAILABLE
    finally:
        renewing.close()
        fixed.close()
        server.stop(None)


def _serve_on(pki: pathlib.Path, port: int, denied: list[tuple[str, str, str]]):
    table = callers(SERVICE, {"Echo": ("session", OPERATOR), "Count": "session"})
    server, bound, _ = create_server(
        port, lambda s: s.add_generic_rpc_handlers((_handlers(),)), service_names=[], host="127.0.0.1",
        listener=Listener(InternalTls.in_dir(str(pki / "token")), table, INTERNAL))
    return server, bound


def test_files_caught_half_replaced_are_not_taken(tmp_path: pathlib.Path) -> None:
    pki = ensure_dev_pki(tmp_path / "pki")
    half = tmp_path / "half"
    half.mkdir()
    (half / "tls.crt").write_bytes(pki["token"].cert.read_bytes())
    (half / "tls.key").write_bytes(pki["session"].key.read_bytes())  # the next key, not yet its cert
    (half / "ca.crt").write_bytes(pki["token"].ca.read_bytes())
    with pytest.raises(ValueError, match="is not the key of"):
        InternalTls(TlsFiles.in_dir(half)).channel_credentials()
    assert pki["token"].read_matching()[0] == pki["token"].cert.read_bytes()
