"""authgate.token.v1.RevocationFeedService/WatchRevocations: revocations for resource servers'
verifiers (libs/verifier), on the internal gRPC port, `validator` workload only.

A stream is subscribed to the hub first and the snapshot read second (so a revocation in
between is sent twice rather than never): the sessions this replica's session feed holds,
then the record's revoked jtis and clients not yet expired, in pages; the last snapshot
message carries `snapshot_complete`. Then each batch the hub hands over, and a heartbeat
whenever nothing happened for an interval. The stream ends with UNAVAILABLE as soon as this
replica cannot vouch for completeness (its session feed or its Redis subscription lost):
the verifier refuses meanwhile and reconnects for a fresh snapshot.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Protocol

import grpc
from authgate.token.v1 import token_pb2 as pb
from authgate.token.v1 import token_pb2_grpc as pb_grpc
from authgate_common.grpc_access import VALIDATOR, callers
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from ..domain.revocation.feed_hub import FeedHub, RevocationBatch
from ..domain.revocation.jti_record import JtiUnitOfWork

log = logging.getLogger(__name__)
SERVICE_NAME = "authgate.token.v1.RevocationFeedService"
ACCESS = callers(SERVICE_NAME, {"WatchRevocations": VALIDATOR})  # resource servers' verifiers
SNAPSHOT_PAGE = 2000
STARTUP_WAIT_SECONDS = 2.0


class SessionState(Protocol):
    """authgate_common.revocation_feed.RevokedSessions, as the feed reads it."""

    @property
    def healthy(self) -> bool: ...

    def revoked(self) -> dict[str, float]: ...


def _ts(seconds: float) -> Timestamp:
    ts = Timestamp()
    ts.FromMicroseconds(int(seconds * 1_000_000))
    return ts


class RevocationFeedServicer(pb_grpc.RevocationFeedServiceServicer):
    def __init__(self, hub: FeedHub, sessions: SessionState | None, record: JtiUnitOfWork,
                 bus_healthy: Callable[[], bool], heartbeat_seconds: float = 1.0,
                 clock: Callable[[], float] = time.time, max_streams: int = 32) -> None:
        self._hub, self._sessions, self._record = hub, sessions, record
        # Open streams each hold a server thread: bounded, so they never take the threads of
        # the unary calls (the token settings add this many to the server's pool).
        self._streams = threading.BoundedSemaphore(max_streams) if max_streams else None
        self._bus_healthy = bus_healthy
        self._heartbeat = heartbeat_seconds
        self._clock = clock
        self._interval = Duration()
        self._interval.FromMilliseconds(round(heartbeat_seconds * 1000))

    def _ready(self) -> bool:
        return self._sessions is not None and self._sessions.healthy and self._bus_healthy()

    def _message(self, batch: RevocationBatch, complete: bool) -> pb.WatchRevocationsResponse:
        return pb.WatchRevocationsResponse(
            sessions=[pb.RevokedSession(sid=s, expires_at=_ts(t)) for s, t in batch.sessions],
            jtis=[pb.RevokedJti(jti=j, expires_at=_ts(t)) for j, t in batch.jtis],
            clients=[pb.RevokedClient(client_id=c, revoked_before=b, expires_at=_ts(t))
                     for c, b, t in batch.clients],
            snapshot_complete=complete, heartbeat_interval=self._interval)

    def _snapshot(self) -> Iterator[RevocationBatch]:
        assert self._sessions is not None
        sessions = list(self._sessions.revoked().items())
        for start in range(0, len(sessions), SNAPSHOT_PAGE):
            yield RevocationBatch(sessions=sessions[start:start + SNAPSHOT_PAGE])
        now = datetime.now(UTC)
        with self._record() as record:
            clients = record.revoked_clients(now)
        yield RevocationBatch(clients=[(c.client_id, c.revoked_before, c.expires_at.timestamp())
                                       for c in clients])
        after = ""
        while True:
            with self._record() as record:
                page = record.revoked(now, after=after, limit=SNAPSHOT_PAGE)
            yield RevocationBatch(jtis=[(e.jti, e.expires_at.timestamp()) for e in page])
            if len(page) < SNAPSHOT_PAGE:
                return
            after = page[-1].jti

    def WatchRevocations(self, request: pb.WatchRevocationsRequest,  # noqa: N802 - gRPC method name
                         context: grpc.ServicerContext) -> Iterator[pb.WatchRevocationsResponse]:
        # Each open stream holds one server thread (REVOCATION_FEED_MAX_STREAMS of them).
        if self._sessions is None:
            context.abort(grpc.StatusCode.UNAVAILABLE, "this replica keeps no session feed")
        streams = self._streams  # None: REVOCATION_FEED_MAX_STREAMS=0, the feed is off
        if streams is None or not streams.acquire(blocking=False):
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "this replica serves its most verifiers")
        try:
            yield from self._watch(context)
        finally:
            streams.release()

    def _watch(self, context: grpc.ServicerContext) -> Iterator[pb.WatchRevocationsResponse]:
        deadline = time.monotonic() + STARTUP_WAIT_SECONDS
        while not self._ready() and time.monotonic() < deadline and context.is_active():
            time.sleep(0.05)
        if not self._ready():
            context.abort(grpc.StatusCode.UNAVAILABLE, "revocation state not available yet")
        with self._hub.subscribe() as inbox:
            context.add_callback(inbox.close)
            try:
                for batch in self._snapshot():
                    if batch:
                        yield self._message(batch, complete=False)
            except Exception as exc:  # noqa: BLE001 - the verifier retries; say why, not how
                log.warning("verifier snapshot failed: %s", exc)
                context.abort(grpc.StatusCode.UNAVAILABLE, "revocation record unavailable")
            yield self._message(RevocationBatch(), complete=True)
            while context.is_active():
                batch = inbox.take(self._heartbeat)
                if not context.is_active():
                    return  # the verifier went away
                if inbox.closed or not self._ready():
                    # A lost source: what it missed is unknown, so the verifier must resync.
                    context.abort(grpc.StatusCode.UNAVAILABLE, "revocation source lost; resync")
                yield self._message(batch, complete=True)


def add_revocation_feed(register: Callable[[grpc.Server], None],
                        servicer: RevocationFeedServicer) -> Callable[[grpc.Server], None]:
    """The server factory's `register` callback, serving the feed too."""
    def both(server: grpc.Server) -> None:
        register(server)
        pb_grpc.add_RevocationFeedServiceServicer_to_server(servicer, server)
    return both
