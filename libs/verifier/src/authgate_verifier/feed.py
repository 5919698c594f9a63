"""The subscription to `authgate.token.v1.RevocationFeedService/WatchRevocations` (mutual TLS with a
`validator` certificate): a daemon thread applying each message to a RevocationState.

It reconnects by itself with backoff (each reconnection brings a fresh snapshot), and a
watchdog cancels a stream silent for `max_silence` (a half-open connection never errors by
itself), so the state turns healthy again only after a complete snapshot.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import grpc
from authgate.token.v1 import token_pb2, token_pb2_grpc

from .revocations import RevocationState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TlsFiles:
    """The validator workload's certificate, key and the CA it trusts (PEM files)."""

    cert: str
    key: str
    ca: str
    server_name: str = "token"  # the token service's workload name, in its certificate's SAN

    @classmethod
    def in_dir(cls, folder: str) -> TlsFiles:
        """`tls.crt`, `tls.key`, `ca.crt` in one folder (as `make up` and the k8s Secrets lay them out)."""
        base = Path(folder)
        return cls(str(base / "tls.crt"), str(base / "tls.key"), str(base / "ca.crt"))

    def channel(self, target: str) -> grpc.Channel:
        creds = grpc.ssl_channel_credentials(root_certificates=Path(self.ca).read_bytes(),
                                             private_key=Path(self.key).read_bytes(),
                                             certificate_chain=Path(self.cert).read_bytes())
        return grpc.secure_channel(target, creds, options=[
            ("grpc.ssl_target_name_override", self.server_name), ("grpc.keepalive_time_ms", 10000),
            ("grpc.max_reconnect_backoff_ms", 2000)])


class FeedSubscriber:
    def __init__(self, target: str, tls: TlsFiles | None, state: RevocationState, *,
                 backoff_initial: float = 0.1, backoff_max: float = 2.0,
                 insecure_plaintext: bool = False) -> None:
        if tls is None and not insecure_plaintext:
            # The feed says which tokens are revoked: it is mutual TLS with the `validator`
            # certificate, and plaintext only when a test asks for it by name.
            raise ValueError("the revocation feed needs the validator's TLS files (tls=)")
        self._target, self._tls, self._state = target, tls, state
        self._backoff_initial, self._backoff_max = backoff_initial, backoff_max
        self._call: grpc.Future | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, name="verifier-feed", daemon=True),
                         threading.Thread(target=self._watch, name="verifier-feed-watchdog", daemon=True)]

    def start(self) -> FeedSubscriber:
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._cancel()
        for t in self._threads:
            t.join(timeout=5)

    def _channel(self) -> grpc.Channel:
        return self._tls.channel(self._target) if self._tls else grpc.insecure_channel(self._target)

    def _run(self) -> None:
        backoff = self._backoff_initial
        while not self._stop.is_set():
            self._state.connecting()
            try:
                with self._channel() as ch:
                    call = token_pb2_grpc.RevocationFeedServiceStub(ch).WatchRevocations(
                        token_pb2.WatchRevocationsRequest())
                    with self._lock:
                        self._call = call
                    if self._stop.is_set():
                        call.cancel()
                    for message in call:
                        self._receive(message)
                        if message.snapshot_complete:
                            backoff = self._backoff_initial
                log.warning("revocation feed ended by the server; reconnecting")
            except grpc.RpcError as exc:
                if not self._stop.is_set():
                    log.warning("revocation feed lost (%s); refusing tokens until resynced",
                                exc.code() if hasattr(exc, "code") else exc)
            except Exception:  # noqa: BLE001 - the feed thread must outlive any surprise
                log.exception("revocation feed failed; reconnecting")
            finally:
                self._state.lost()
                with self._lock:
                    self._call = None
            self._stop.wait(backoff)
            backoff = min(backoff * 2, self._backoff_max)

    def _receive(self, m: token_pb2.WatchRevocationsResponse) -> None:
        self._state.apply(
            sessions=[(s.sid, s.expires_at.ToMicroseconds() / 1e6) for s in m.sessions],
            jtis=[(j.jti, j.expires_at.ToMicroseconds() / 1e6) for j in m.jtis],
            clients=[(c.client_id, c.revoked_before, c.expires_at.ToMicroseconds() / 1e6)
                     for c in m.clients],
            snapshot_complete=m.snapshot_complete)

    def _cancel(self) -> None:
        with self._lock:
            call = self._call
        if call is not None:
            call.cancel()

    def _watch(self) -> None:
        while not self._stop.wait(0.25):
            if self._call is not None and not self._state.healthy and self._state.heard_long_ago():
                self._cancel()

    def wait_healthy(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self._state.healthy and time.monotonic() < deadline:
            time.sleep(0.02)
        return self._state.healthy
