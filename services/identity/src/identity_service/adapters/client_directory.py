"""AuthorizationService.DescribeClient over gRPC, behind a small TTL cache: the login page
asks for the client's name on every view, the registry changes rarely.

Unknown clients are remembered too (as None), so a page requested with made-up client ids
costs one call each per TTL, and the cache is bounded: when full, the oldest entry goes.
The name is cosmetic, so a registry that cannot answer costs at most a short deadline,
and only once per FAILURE_TTL_SECONDS: meanwhile the page shows no name.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import grpc
from authgate.authorization.v1 import authorization_pb2 as pb
from authgate.authorization.v1 import authorization_pb2_grpc as pb_grpc
from authgate_common.core.errors import InvalidRequest, NotFound, OAuthError
from authgate_common.grpc_server import RpcClient

from ..domain.clients import ClientInfo

log = logging.getLogger(__name__)
MAX_CLIENT_ID_LENGTH = 255
MAX_DEADLINE_SECONDS = 1.0
FAILURE_TTL_SECONDS = 5.0


class GrpcClientDirectory:
    def __init__(self, channel: grpc.Channel, timeout: float, *, ttl_seconds: float = 60.0,
                 max_entries: int = 1024, clock: Callable[[], float] = time.monotonic) -> None:
        self._rpc = RpcClient(pb_grpc.AuthorizationServiceStub(channel), min(timeout, MAX_DEADLINE_SECONDS))
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, ClientInfo | None]] = OrderedDict()
        self._lock = threading.Lock()

    def describe(self, client_id: str) -> ClientInfo | None:
        if not client_id or len(client_id) > MAX_CLIENT_ID_LENGTH:
            return None
        now = self._clock()
        with self._lock:
            hit = self._cache.get(client_id)
            if hit is not None and hit[0] > now:
                return hit[1]
        ttl = self._ttl
        try:
            info = self._ask(client_id)
        except OAuthError as err:
            log.warning("DescribeClient failed, the page shows no client name: %s", err)
            info, ttl = None, min(self._ttl, FAILURE_TTL_SECONDS)
        with self._lock:
            self._cache[client_id] = (now + ttl, info)
            self._cache.move_to_end(client_id)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return info

    def _ask(self, client_id: str) -> ClientInfo | None:
        try:
            resp = self._rpc.call("DescribeClient", pb.DescribeClientRequest(client_id=client_id))
        except (NotFound, InvalidRequest):
            return None
        return ClientInfo(client_id=resp.client_id or client_id, name=resp.name,
                          require_mfa=resp.require_mfa)
