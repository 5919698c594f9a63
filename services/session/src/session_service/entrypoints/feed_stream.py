"""WatchRevocations: the server side of the revocation feed (a gRPC server stream).

On subscribe the stream is registered with the hub first and the record read second,
so a revocation committed in between is sent twice rather than never (validators keep
a set, duplicates are harmless). The snapshot goes out in pages as they are read from
the record (so a large one starts at once), then an empty message flagged
`snapshot_complete`; then every new revocation as the hub hands it over, and
an empty message whenever nothing happened for a heartbeat interval.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import grpc
from authgate.session.v1 import session_pb2 as pb
from authgate_common.proto_time import timestamp
from google.protobuf.duration_pb2 import Duration

from ..domain.context import Deps
from ..domain.feed import RevocationHub
from ..domain.model import Revocation
from ..domain.revocations import recent_revocation_pages

log = logging.getLogger(__name__)

SNAPSHOT_PAGE = 2000  # about 100 kB of protobuf per message


def revocation_to_proto(r: Revocation) -> pb.Revocation:
    return pb.Revocation(sid=r.sid, user_id=r.user_id, revoked_at=timestamp(r.revoked_at),
                         expires_at=timestamp(r.forget_at))


class RevocationStream:
    def __init__(self, deps: Deps, hub: RevocationHub, heartbeat_seconds: float) -> None:
        self._deps, self._hub, self._heartbeat = deps, hub, heartbeat_seconds
        self._interval = Duration()
        self._interval.FromMilliseconds(round(heartbeat_seconds * 1000))

    def _message(self, batch: Sequence[Revocation], complete: bool) -> pb.WatchRevocationsResponse:
        return pb.WatchRevocationsResponse(
            revocations=[revocation_to_proto(r) for r in batch], snapshot_complete=complete,
            heartbeat_interval=self._interval)

    def watch(self, context: grpc.ServicerContext) -> Iterator[pb.WatchRevocationsResponse]:
        with self._hub.subscribe() as inbox:
            context.add_callback(inbox.close)  # a cancelled stream frees its thread at once
            try:
                for page in recent_revocation_pages(self._deps, SNAPSHOT_PAGE):
                    yield self._message(page, complete=False)
            except Exception as exc:  # noqa: BLE001 - the validator retries; say why, not how
                log.warning("revocation snapshot failed: %s", exc)
                context.abort(grpc.StatusCode.UNAVAILABLE, "revocation record unavailable")
            yield self._message([], complete=True)
            while not inbox.closed and context.is_active():
                batch = inbox.take(self._heartbeat)
                if batch or not inbox.closed:
                    yield self._message(batch, complete=True)
