"""A client channel that follows its certificate files.

grpcio's channel credentials are fixed when the channel is made, and a service keeps its
channels for its whole life: a leaf that cert-manager (or `make up`) renews would go on
being presented until it expired, and every internal call would then fail at once. This
channel looks at the files at most every `check_seconds` when a call is made; once they
changed, new calls go to a channel built with the new files, and the old one is closed
after `drain_seconds` (calls and streams in flight on it finish first).

Stubs bind their methods to a channel when they are made, so the methods it hands out
look up the current channel on each call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import grpc

from .pki import TlsFiles

log = logging.getLogger(__name__)


def _stamp(files: TlsFiles) -> tuple[int, ...]:
    try:
        return tuple(p.stat().st_mtime_ns for p in (files.cert, files.key, files.ca))
    except OSError:
        return ()


class RenewingChannel(grpc.Channel):
    def __init__(self, build: Callable[[], grpc.Channel], files: TlsFiles, *,
                 check_seconds: float = 10.0, drain_seconds: float = 60.0) -> None:
        self._build = build
        self._files = files
        self._check_seconds = check_seconds
        self._drain_seconds = drain_seconds
        self._lock = threading.Lock()
        self._stamp = _stamp(files)
        self._current = build()
        self._checked = time.monotonic()
        self._closed = False

    def current(self) -> grpc.Channel:
        if time.monotonic() - self._checked < self._check_seconds:
            return self._current
        with self._lock:
            self._checked = time.monotonic()
            stamp = _stamp(self._files)
            if stamp and stamp != self._stamp and not self._closed:
                self._renew(stamp)
            return self._current

    def _renew(self, stamp: tuple[int, ...]) -> None:
        try:
            fresh = self._build()
        except Exception:  # noqa: BLE001 - half-written files: keep the channel that works
            log.warning("certificate files in %s changed but could not be read; keeping the old ones",
                        self._files.cert.parent)
            return
        old, self._current, self._stamp = self._current, fresh, stamp
        log.info("client certificate renewed from %s", self._files.cert.parent)
        timer = threading.Timer(self._drain_seconds, old.close)
        timer.daemon = True
        timer.start()

    def _method(self, kind: str, method: str, request_serializer: Any = None,
                response_deserializer: Any = None, **extra: Any) -> Any:
        return _Method(self, kind, (method, request_serializer, response_deserializer), extra)

    def unary_unary(self, method, request_serializer=None, response_deserializer=None, **extra):  # type: ignore[no-untyped-def, override]
        return self._method("unary_unary", method, request_serializer, response_deserializer, **extra)

    def unary_stream(self, method, request_serializer=None, response_deserializer=None, **extra):  # type: ignore[no-untyped-def, override]
        return self._method("unary_stream", method, request_serializer, response_deserializer, **extra)

    def stream_unary(self, method, request_serializer=None, response_deserializer=None, **extra):  # type: ignore[no-untyped-def, override]
        return self._method("stream_unary", method, request_serializer, response_deserializer, **extra)

    def stream_stream(self, method, request_serializer=None, response_deserializer=None, **extra):  # type: ignore[no-untyped-def, override]
        return self._method("stream_stream", method, request_serializer, response_deserializer, **extra)

    def subscribe(self, callback, try_to_connect=False):  # type: ignore[no-untyped-def]
        self.current().subscribe(callback, try_to_connect)

    def unsubscribe(self, callback):  # type: ignore[no-untyped-def]
        self.current().unsubscribe(callback)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._current.close()

    def __enter__(self) -> RenewingChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Method:
    """A stub's method: the multi-callable of whichever channel is current at the call."""

    def __init__(self, owner: RenewingChannel, kind: str, args: tuple[Any, ...],
                 extra: dict[str, Any]) -> None:
        self._owner = owner
        self._kind = kind
        self._args = args
        self._extra = extra
        self._bound: tuple[grpc.Channel, Any] | None = None

    def _callable(self) -> Any:
        channel = self._owner.current()
        bound = self._bound
        if bound is None or bound[0] is not channel:
            bound = (channel, getattr(channel, self._kind)(*self._args, **self._extra))
            self._bound = bound
        return bound[1]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._callable()(*args, **kwargs)

    def with_call(self, *args: Any, **kwargs: Any) -> Any:
        return self._callable().with_call(*args, **kwargs)

    def future(self, *args: Any, **kwargs: Any) -> Any:
        return self._callable().future(*args, **kwargs)
