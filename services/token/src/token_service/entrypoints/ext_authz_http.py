"""Envoy's ext_authz over HTTP (`http_service`): the same decision as the gRPC Check
(ext_authz.py), on a listener of its own that only the gateway may call.

Why: a Check through grpcio's threaded server costs ~0.5 ms of server machinery per call
before any work (bench/NOTES.md items 21, 22); this listener is an asyncio protocol on
httptools in a thread of its own, answering from the parsed headers, with no framework.

What it reads: `authorization` (the access token), `dpop` (the request's DPoP proof, RFC
9449), the two headers the gateway's route adds to its check request,
`x-authgate-required-scopes` (space-separated) and `x-authgate-audience`, and what names
the client's request for the proof's `htm` and `htu`: the check request's own method
(Envoy checks with the client's method), its path less the `/check` prefix (Envoy's
`path_prefix` before the client's path), `host` (Envoy forwards the client's Host) and
`x-forwarded-proto` (which Envoy sets from the client's connection, overwriting a
client's: ext_authz.py). Envoy forwards only `authorization`, `dpop` and
`x-forwarded-proto` of the client's headers (its `allowed_headers`), so a client cannot
name the scopes it is checked against. Answers: 200 with the verified x-auth-* headers
(Envoy copies exactly those upstream), 401/403 with the RFC 6750 or RFC 9449 challenge,
503 when revocation state is unknown (fail closed).

Who may call: with mutual TLS (every deployment), the client certificate must be the
gateway's — the project CA and the SAN URI spiffe://<trust domain>/gateway — checked once
per connection; anything else is closed before a byte of it is read. The certificate
files are read again when they change (for new connections). Plaintext only under
GRPC_INSECURE_PLAINTEXT, as the gRPC listeners (benchmarks).
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import threading
from collections.abc import Callable
from typing import Any, cast

import httptools
from authgate_common.core.errors import OAuthError, TemporarilyUnavailable
from authgate_common.grpc_access import GATEWAY, InternalTls
from authgate_common.pki import spiffe_id

from ..domain.tokens.validation import TokenValidator
from .ext_authz import decide, denial, identity_headers, request_url

log = logging.getLogger(__name__)
SCOPES_HEADER = b"x-authgate-required-scopes"
AUDIENCE_HEADER = b"x-authgate-audience"
DPOP_HEADER = b"dpop"
WANTED = {b"authorization", SCOPES_HEADER, AUDIENCE_HEADER, DPOP_HEADER, b"host", b"x-forwarded-proto"}
# Envoy's http_service `path_prefix` (authgate_devstack/envoy/ext_authz.py): the client's
# path follows it.
PATH_PREFIX = "/check"
# Envoy's check request: a token, two short headers and Envoy's own; above the gateway's
# max_request_headers_kb, so whatever the gateway accepted can be checked.
MAX_HEADER_BYTES = 128 * 1024
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           503: "Service Unavailable"}

Decide = Callable[[dict[bytes, str], str, str], tuple[int, dict[str, str], bytes]]


def client_path(target: str) -> str:
    """The client's path in a check request's target (`path_prefix` + the client's path);
    "" (no URL, so no proof matches) for a target Envoy would not send."""
    return target[len(PATH_PREFIX):] if target.startswith(PATH_PREFIX + "/") else ""


def answer(validator: TokenValidator) -> Decide:
    """(status, headers, body) for one check request: its headers, method and target."""
    def check(headers: dict[bytes, str], method: str = "GET",
              target: str = "/") -> tuple[int, dict[str, str], bytes]:
        url = request_url(headers.get(b"x-forwarded-proto", ""), headers.get(b"host", ""),
                          client_path(target))
        result = decide(validator, headers.get(b"authorization"),
                        headers.get(SCOPES_HEADER, ""), headers.get(AUDIENCE_HEADER),
                        dpop=headers.get(DPOP_HEADER), method=method, url=url)
        if isinstance(result, OAuthError):
            status, out, body = denial(result)
            return status, out, body.encode()
        # Only the non-empty ones: the gateway stripped every x-auth-* a client sent.
        return 200, {k: v for k, v in identity_headers(result).items() if v}, b""
    return check


def response(status: int, headers: dict[str, str], body: bytes, keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}"]
    if "content-length" not in headers:
        lines.append(f"content-length: {len(body)}")
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if not keep_alive:
        lines.append("connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class CheckProtocol(asyncio.Protocol):
    """One connection from the gateway: HTTP/1.1 requests, answered in order."""

    def __init__(self, check: Decide, allowed_peer: str | None) -> None:
        self._check = check
        self._allowed_peer = allowed_peer
        self._parser = httptools.HttpRequestParser(self)
        self._headers: dict[bytes, str] = {}
        self._url = bytearray()
        self._size = 0
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass of it
        if self._allowed_peer is not None and self._allowed_peer not in peer_uris(transport):
            log.warning("ext_authz HTTP: refused a connection from %s (not the gateway's certificate)",
                        transport.get_extra_info("peername"))
            self._transport.abort()

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            self._fail()

    def on_message_begin(self) -> None:
        self._headers = {}
        self._url = bytearray()
        self._size = 0

    def on_url(self, url: bytes) -> None:
        self._size += len(url)
        if self._size > MAX_HEADER_BYTES:
            raise httptools.HttpParserError("request target too large")
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._size += len(name) + len(value)
        if self._size > MAX_HEADER_BYTES:
            raise httptools.HttpParserError("headers too large")
        name = name.lower()
        if name in WANTED:
            text = value.decode("latin-1")
            # A repeated header arrives as one, its values joined by "," (as Envoy's gRPC
            # Check has them): a DPoP header twice is then no proof (RFC 9449 §4.3 (1)).
            known = self._headers.get(name)
            self._headers[name] = text if known is None else f"{known},{text}"

    def on_message_complete(self) -> None:
        assert self._transport is not None
        try:
            method = (self._parser.get_method() or b"").decode("latin-1")
            status, headers, body = self._check(self._headers, method, self._url.decode("latin-1"))
        except Exception:  # noqa: BLE001 - never allow on a failure to decide
            log.exception("ext_authz HTTP check failed")
            status, headers, text = denial(TemporarilyUnavailable())
            body = text.encode()
        keep_alive = self._parser.should_keep_alive()
        if self._parser.get_method() == b"HEAD":  # Envoy checks a HEAD with a HEAD: no body
            headers = {**headers, "content-length": str(len(body))}
            body = b""
        self._transport.write(response(status, headers, body, keep_alive))
        if not keep_alive:
            self._transport.close()

    def _fail(self) -> None:
        if self._transport is not None:
            self._transport.write(response(400, {}, b"", keep_alive=False))
            self._transport.close()


def peer_uris(transport: asyncio.BaseTransport) -> set[str]:
    cert = transport.get_extra_info("peercert") or {}
    return {value for kind, value in cert.get("subjectAltName", ()) if kind == "URI"}


class ReloadingContext:
    """The server's TLS context: client certificates of the project CA required; the files
    read again (for new connections) when they change."""

    def __init__(self, tls: InternalTls) -> None:
        self._files = tls.files
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.context.verify_mode = ssl.CERT_REQUIRED
        self._stamp: tuple[int, ...] = ()
        self.refresh()

    def _mtimes(self) -> tuple[int, ...]:
        try:
            return tuple(os.stat(p).st_mtime_ns for p in (self._files.cert, self._files.key, self._files.ca))
        except OSError:
            return ()

    def refresh(self) -> None:
        stamp = self._mtimes()
        if not stamp or stamp == self._stamp:
            return
        try:
            self.context.load_cert_chain(str(self._files.cert), str(self._files.key))
            self.context.load_verify_locations(cafile=str(self._files.ca))
        except (OSError, ssl.SSLError):
            if not self._stamp:
                raise
            log.warning("ext_authz HTTP: certificate files changed but unreadable; keeping the old ones")
            return
        self._stamp = stamp


class CheckServer:
    """The listener, on an event loop in a thread of its own; `start` returns the bound port."""

    def __init__(self, validator: TokenValidator, tls: InternalTls | None, host: str, port: int) -> None:
        self._check = answer(validator)
        self._tls = ReloadingContext(tls) if tls is not None else None
        self._peer = spiffe_id(GATEWAY, tls.trust_domain) if tls is not None else None
        self._host, self._port = host, port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None

    def _protocol(self) -> CheckProtocol:
        return CheckProtocol(self._check, self._peer)

    def start(self) -> int:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = self._loop = new_loop()
            try:
                self._server = loop.run_until_complete(loop.create_server(
                    self._protocol, self._host, self._port,
                    ssl=self._tls.context if self._tls else None, reuse_address=True))
                if self._tls is not None:
                    loop.call_soon(self._refresh_tls)
            except BaseException as exc:  # noqa: BLE001 - handed to the starting thread
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._close())
            loop.close()

        self._thread = threading.Thread(target=run, name="ext-authz-http", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        assert self._server is not None
        bound = self._server.sockets[0].getsockname()[1]
        log.info("token ext_authz HTTP listening on %s:%d (%s)", self._host, bound,
                 "mutual TLS, the gateway only" if self._tls else "plaintext")
        return int(bound)

    def _refresh_tls(self) -> None:
        assert self._tls is not None and self._loop is not None
        self._tls.refresh()
        self._loop.call_later(5, self._refresh_tls)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)


def new_loop() -> Any:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
